# Thin wrapper over CMake presets. The real build lives in CMakeLists.txt.
#   make          debug build: build/bin/arxd, build/bin/arx
#   make demo     arx's main job on the bundled defaults
#   make check    asan build, every test suite, format check
#   make release  optimised build in build/release
#   make install  release build installed (PREFIX=/usr, DESTDIR)
#   make deb      a Debian package of it in build/deb
#   make fresh    make demo on a fresh Debian 12 root (debootstrap)
#   make bench    arx against sshguard and fail2ban on the reference auth.log
#   make fuzz     every libFuzzer target for FUZZ_SECONDS (default 60) each
#   make format   rewrite sources with clang-format

# What the programs need to build (the release preset: make demo, make
# install); the debug and ASan builds also configure the tests, which
# need Python 3 and cmocka.
BUILD_PKGS = cmake ninja-build gcc pkg-config libexpat1-dev libpcre2-dev \
  libcurl4-openssl-dev libsystemd-dev libssl-dev libseccomp-dev \
  libnftables-dev libpq-dev
TEST_PKGS = $(BUILD_PKGS) python3 libcmocka-dev
CHECK_PKGS = $(TEST_PKGS) clang-format mandoc zsh lintian man-db \
  nftables iptables ipset iproute2 iputils-ping systemd-journal-remote \
  openssh-server openssh-client sshpass tshark rsyslog curl openssl \
  exim4-daemon-light prometheus postgresql

FUZZ_PKGS = $(TEST_PKGS) clang libclang-rt-14-dev
# The programs make demo runs, and no test.
PROGRAMS = arxd arx firewall-drop route-null host-deny webhook abuseipdb

.PHONY: all build demo check fresh release install deb bench fuzz format deps-build deps-test deps-check clean

all: build

deps-build:
	@scripts/deps.sh $(BUILD_PKGS)

deps-test:
	@scripts/deps.sh $(TEST_PKGS)

deps-check:
	@scripts/deps.sh $(CHECK_PKGS)
	@scripts/user.sh arx

build: deps-test
	@cmake --preset debug >/dev/null
	@cmake --build --preset debug

release: deps-build
	@cmake --preset release >/dev/null
	@cmake --build --preset release

# Debian's layout by default: /usr/sbin/arxd, /usr/bin/arx, programs in
# /usr/lib/arx/active-response/bin, /usr/share/arx/ruleset, and
# /etc/arx/arx.conf (kept when there; the new one is arx.conf.new).
PREFIX ?= /usr
install: deps-build
	@cmake --preset release -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build --preset release
	@DESTDIR=$(DESTDIR) cmake --install build/release
	@if [ -z "$(DESTDIR)" ] && [ "$(PREFIX)" = /usr ]; then \
	    echo "arx: installed. Next: systemd-sysusers arx.conf &&" \
	    "systemd-tmpfiles --create arx.conf && arxd -t &&" \
	    "systemctl enable --now arxd"; fi

# The README's make demo on a fresh Debian 12 root (debootstrap, root).
fresh:
	@scripts/fresh.sh

# A Debian package from the tree: build/deb/arx_VERSION-1_ARCH.deb.
deb: deps-build
	@cmake --preset release -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
	@cmake --build --preset release
	@scripts/deb.sh build/release build/deb

bench: release
	@scripts/deps.sh python3 postgresql
	@python3 bench/run.py
	@build/release/bin/table_bench
	@if [ "$$(id -u)" -eq 0 ]; then python3 bench/latency.py 1000 && \
	    python3 bench/kernel_set.py && python3 bench/blocks.py && \
	    python3 bench/cluster.py; else \
	    echo "bench: line-to-block, the kernel set, blocks per" \
	    "second and the cluster need root: skipped"; fi

demo: deps-build
	@cmake --preset release >/dev/null
	@cmake --build --preset release --target $(PROGRAMS)
	@scripts/user.sh arx
	@scripts/demo.sh build/release/bin

check: deps-check
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan
	@ctest --preset asan

fuzz:
	@scripts/deps.sh $(FUZZ_PKGS)
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz --target fuzz_priv fuzz_ctl fuzz_line \
	    fuzz_osregex fuzz_json fuzz_conf fuzz_ruleset fuzz_arproto \
	    fuzz_wire fuzz_http fuzz_basic
	@scripts/fuzz.sh

format:
	@clang-format -i $$(scripts/c-sources.sh)

clean:
	rm -rf build
