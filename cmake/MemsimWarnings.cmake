# Warning flags, -Werror on request (CI), and the sanitizer build of the dev preset.
function(memsim_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wsign-conversion -Wno-sign-conversion)
  if(MEMSIM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(MEMSIM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
