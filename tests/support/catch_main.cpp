// The Catch2 v2 main of memsim_tests: every test file of tests/ links against this one
// translation unit, which holds Catch's runner (compiled once, as it is slow to build).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
