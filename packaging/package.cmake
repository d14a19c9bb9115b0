# Install rules and the Debian package (CPack DEB): README.md, "Running it as
# a service". `cpack -G DEB` in the build folder writes renkei_<version>_<arch>.deb.
#   /usr/bin/renkei, /usr/bin/renkei-fax-sim
#   /usr/share/renkei/templates, /usr/share/renkei/web   the embedded defaults (config/settings.h)
#   /etc/renkei/{renkei.properties,partners.csv,offices.csv,tokens.csv}   conffiles
#   /lib/systemd/system/renkei.service                  hardened unit; postinst makes the renkei user
#                                                       and /var/lib/renkei (0700)
include(GNUInstallDirs)

install(TARGETS renkei renkei-fax-sim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY templates/ DESTINATION ${CMAKE_INSTALL_DATADIR}/renkei/templates)
install(DIRECTORY web/ DESTINATION ${CMAKE_INSTALL_DATADIR}/renkei/web)
# Absolute: /etc and /lib whatever the prefix (CPack stages them under DESTDIR).
install(FILES packaging/renkei.properties config/partners.csv config/offices.csv packaging/tokens.csv
        DESTINATION /etc/renkei)
install(FILES packaging/renkei.service DESTINATION /lib/systemd/system)

# Debian's documentation files: the copyright and the changelog, compressed
# as policy wants it (gzip -9n: no name or time stamp, so the build repeats).
set(_changelog ${CMAKE_CURRENT_BINARY_DIR}/changelog.Debian.gz)
add_custom_command(OUTPUT ${_changelog}
  COMMAND gzip -9n -c ${CMAKE_CURRENT_SOURCE_DIR}/packaging/changelog > ${_changelog}
  DEPENDS packaging/changelog VERBATIM)
add_custom_target(renkei_changelog ALL DEPENDS ${_changelog})
install(FILES packaging/copyright ${_changelog} DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/renkei)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME renkei)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "Renkei maintainers <maintainers@renkei.example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "document server for care coordination sheets")
# The synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY; this is the long text.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "Renkei fills Japanese care coordination sheets (admission, discharge,
physician contact, welfare equipment, fax cover) from JSON requests, renders
them as PDF or XLSX, and hands them to a printer (CUPS or a spool folder) or
to a fax gateway, keeping every job and its documents.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The libraries the binaries link, from dpkg-shlibdeps; the fonts the PDFs
# use (fonts.primary and fonts.fallback); adduser and init-system-helpers for
# the maintainer scripts.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, init-system-helpers (>= 1.54~), fonts-ipaexfont-gothic, fonts-ipamj-mincho")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "cups")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_CURRENT_SOURCE_DIR}/packaging/conffiles
  ${CMAKE_CURRENT_SOURCE_DIR}/packaging/postinst
  ${CMAKE_CURRENT_SOURCE_DIR}/packaging/prerm
  ${CMAKE_CURRENT_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES ON)
include(CPack)
