# kioskctl's admin and technician commands (issue 7): configuration bundles.
target_sources(kioskctl PRIVATE ${CMAKE_CURRENT_LIST_DIR}/cmd_bundle.c)
target_link_libraries(kioskctl PRIVATE lk_bundle)
