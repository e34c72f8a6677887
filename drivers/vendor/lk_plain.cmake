# lk_plain_directory(): strips sanitizer and libFuzzer flags from the calling directory.
# The plug-in worker and the plug-ins it dlopens run under RLIMIT_AS (ASan's shadow reservation
# cannot) and must load into an uninstrumented process, so they are always built plain; the
# code they share with the kiosk (codec, loader) is unit-tested and fuzzed instrumented.
macro(lk_plain_directory)
    foreach(prop COMPILE_OPTIONS LINK_OPTIONS)
        get_directory_property(_opts ${prop})
        list(FILTER _opts EXCLUDE REGEX "^-fsanitize")
        list(FILTER _opts EXCLUDE REGEX "^-fno-sanitize")
        set_directory_properties(PROPERTIES ${prop} "${_opts}")
    endforeach()
endmacro()

# lk_add_plugin(NAME SOURCES...): a vendor plug-in NAME.so in <build>/plugins, exporting only
# its entry symbol.
function(lk_add_plugin name)
    add_library(${name} MODULE ${ARGN})
    set_target_properties(${name} PROPERTIES PREFIX "" OUTPUT_NAME ${name}
        C_VISIBILITY_PRESET hidden CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON
        LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/plugins)
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/drivers/vendor)
    target_link_options(${name} PRIVATE -Wl,--no-undefined)
endfunction()
