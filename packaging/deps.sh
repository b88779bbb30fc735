#!/usr/bin/env bash
# Installs everything mxpulse needs to build, test and run on Debian 12 (idempotent, non-interactive).
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

# Postfix asks a debconf question on install; answer it so the install never blocks.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
echo "postfix postfix/mailname string localhost.localdomain" | debconf-set-selections

# Packages whose postinst would start a system service (postfix, unbound) must not bind
# ports on the build host: the tests start private instances on loopback themselves.
# A policy-rc.d that already exists is left alone; one we add is removed again.
added_policy=0
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  added_policy=1
fi
trap '[[ $added_policy = 1 ]] && rm -f /usr/sbin/policy-rc.d' EXIT

packages=(
  # toolchain
  build-essential cmake pkg-config clang-format git ca-certificates
  # libraries mxpulse links
  libmilter-dev libspf2-dev libopendkim-dev libevent-dev libspdlog-dev libfmt-dev
  libunbound-dev libpsl-dev libtomlplusplus-dev nlohmann-json3-dev libcli11-dev
  libsystemd-dev
  libssl-dev  # OpenSSL: DomainKeys RSA, DKIM key records (libopendkim-dev does not pull it in)
  # tests
  libgtest-dev libgmock-dev postfix swaks unbound python3 python3-dkim openssl procps psmisc
  libsisimai-perl opendkim
  faketime  # the alert clear test moves mxpulse's clock forward (libfaketime)
  opendmarc  # the OpenDKIM + OpenDMARC chain in tests/bench/auth_throughput.py
  clang libclang-rt-14-dev
  python3-yaml  # SPF test suite YAML -> JSON in the auth corpus test
  prometheus  # promtool: the metrics exposition, conf/prometheus rules (check and unit test)
  rsyslog  # conf/rsyslog: the alert routing rule, run in a private rsyslogd
  systemd-container debootstrap  # tests/systemd: the .deb booted under systemd-nspawn
  # packages and man pages (packaging/build, tests/packaging, tests/docs)
  debhelper dpkg-dev fakeroot lintian rpm groff man-db mandoc ccache logrotate
  # Sendmail live test: m4 builds the .cf, libwrap0 is what the unpacked sendmail links
  m4 libwrap0
)

if [[ ${MXPULSE_SKIP_APT_UPDATE:-0} != 1 ]]; then
  apt-get -o DPkg::Lock::Timeout=600 update -q
fi
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${packages[@]}"

# Sendmail for the Sendmail integration test: sendmail-bin conflicts with postfix, so the packages
# are downloaded and unpacked (dpkg -x) into a cache folder the test runs Sendmail from. The test
# itself downloads nothing and fails when this folder is missing.
sendmail_cache=${MXPULSE_SENDMAIL_CACHE:-/var/cache/mxpulse-tests/sendmail}
if [[ ! -x $sendmail_cache/root/usr/libexec/sendmail/sendmail ]]; then
  rm -rf "$sendmail_cache"
  install -d -m 0755 "$sendmail_cache/debs"
  chown _apt "$sendmail_cache/debs" 2>/dev/null || true  # apt downloads as _apt
  (cd "$sendmail_cache/debs" && apt-get download -q sendmail-bin sendmail-cf sendmail-base)
  for deb in "$sendmail_cache"/debs/*.deb; do
    dpkg -x "$deb" "$sendmail_cache/root"
  done
fi
