# ASan+UBSan (the asan preset) and release hardening flags.
if(ARX_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
if(ARX_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
if(ARX_HARDEN)
  add_compile_options(-D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE)
  add_link_options(-pie -Wl,-z,relro,-z,now)
endif()
