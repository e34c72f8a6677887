# kioskctl's admin and technician commands (issue 7): configuration bundles, service card, USB.
target_sources(kioskctl PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/cmd_bundle.c
    ${CMAKE_CURRENT_LIST_DIR}/cmd_service.c
    ${CMAKE_CURRENT_LIST_DIR}/cmd_usb.c
)
target_link_libraries(kioskctl PRIVATE lk_bundle lk_usb)
