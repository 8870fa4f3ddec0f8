# The files an install writes for its prefix, run by cmake --install
# (make install, the package) after the programs and the ruleset are in
# place. ARX_SRC is the source tree; CMAKE_INSTALL_PREFIX is the prefix
# of this install (cmake --install --prefix overrides the configured
# one); DESTDIR, when set, is put before every path written.
#
#   <etc>/arx/arx.conf              etc/arx.conf, its ruleset paths made
#                                   absolute (<prefix>/share/arx/ruleset);
#                                   one already there is kept, the new one
#                                   written beside it as arx.conf.new
#   <prefix>/lib/systemd/system/arxd.service   etc/arxd.service.in filled in
#   <prefix>/lib/sysusers.d/arx.conf   the user arx, in group adm
#   <prefix>/lib/tmpfiles.d/arx.conf   /var/lib/arx, /var/log/arx, /run/arx
#   <etc>/logrotate.d/arx           alerts and active-responses.log
#
# <etc> is /etc for the prefix /usr (Debian's layout), else <prefix>/etc.

set(prefix "${CMAKE_INSTALL_PREFIX}")
if(prefix STREQUAL "/usr")
  set(etc "/etc")
else()
  set(etc "${prefix}/etc")
endif()
set(root "$ENV{DESTDIR}")

function(arx_write path text)
  get_filename_component(dir "${root}${path}" DIRECTORY)
  file(MAKE_DIRECTORY "${dir}")
  file(WRITE "${root}${path}" "${text}")
  message(STATUS "Installing: ${root}${path}")
endfunction()

# The configuration: a conffile, never replaced once there.
file(READ "${ARX_SRC}/etc/arx.conf" conf)
string(REPLACE "../ruleset/" "${prefix}/share/arx/ruleset/" conf "${conf}")
string(REPLACE "Relative paths are relative to the directory of this file."
  "Installed for ${prefix}; relative paths are relative to this file's\n  directory."
  conf "${conf}")
if(EXISTS "${root}${etc}/arx/arx.conf")
  message(STATUS "Kept: ${root}${etc}/arx/arx.conf (the new one is arx.conf.new)")
  arx_write("${etc}/arx/arx.conf.new" "${conf}")
else()
  arx_write("${etc}/arx/arx.conf" "${conf}")
endif()

file(READ "${ARX_SRC}/etc/arxd.service.in" unit)
string(REPLACE "@SBINDIR@" "${prefix}/sbin" unit "${unit}")
string(REPLACE "@SYSCONFDIR@" "${etc}" unit "${unit}")
string(REPLACE "@DOCDIR@" "${prefix}/share/doc/arx" unit "${unit}")
arx_write("${prefix}/lib/systemd/system/arxd.service" "${unit}")

arx_write("${prefix}/lib/sysusers.d/arx.conf"
"# The user arxd's analysis child runs as; group adm reads /var/log/auth.log.
u arx - \"arx log analysis\" /nonexistent /usr/sbin/nologin
m arx adm
")

arx_write("${prefix}/lib/tmpfiles.d/arx.conf"
"# arxd's state (block journal, positions), logs and control socket.
d /var/lib/arx 0700 root root -
d /var/log/arx 0750 root arx -
d /run/arx 0700 root root -
")

arx_write("${etc}/logrotate.d/arx"
"# arxd reopens its alert files and active-responses.log on a reload.
/var/log/arx/alerts.log /var/log/arx/alerts.json /var/log/arx/active-responses.log {
\tweekly
\trotate 8
\tcompress
\tdelaycompress
\tmissingok
\tnotifempty
\tcreate 0640 root arx
\tsharedscripts
\tpostrotate
\t\tsystemctl reload arxd.service >/dev/null 2>&1 || true
\tendscript
}
")
