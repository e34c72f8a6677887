# kioskctl's admin and technician commands (issue 7): configuration bundles, service card, USB,
# diagnostics.
target_sources(kioskctl PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/cmd_bundle.c
    ${CMAKE_CURRENT_LIST_DIR}/cmd_service.c
    ${CMAKE_CURRENT_LIST_DIR}/cmd_usb.c
    ${CMAKE_CURRENT_LIST_DIR}/cmd_diag.c
)
target_link_libraries(kioskctl PRIVATE lk_bundle lk_diag lk_usb lk_usb_diag)
# The device adapters' diagnostics (printer, NFC reader, camera), shared with the kiosk.
target_link_libraries(kioskctl PRIVATE lk_prn_diag lk_nfc_diag lk_camera_diag)
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/cmd_diag.c PROPERTIES
    COMPILE_DEFINITIONS LK_VERSION="${PROJECT_VERSION}")
