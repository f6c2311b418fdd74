# private-apt.sh — sourced by install-suricata.sh and fetch-suricata8.sh: an apt
# configuration of their own under a build directory (sources.list, preferences,
# package lists, download cache), so the system's /etc/apt is never changed. The
# caller defines say() and cannot() (one line, exit 3).

# papt_init DIR: create DIR's layout and set the array APT (apt-get with every
# option pointing into DIR; the installed-package state stays the system's). The
# caller writes DIR/etc/sources.list and DIR/etc/preferences.
papt_init() {
  PAPT_DIR=$1
  mkdir -p "$PAPT_DIR"/etc/sources.list.d "$PAPT_DIR"/etc/preferences.d \
           "$PAPT_DIR"/state/lists/partial "$PAPT_DIR"/cache/archives/partial
  PAPT_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -r "$PAPT_KEYRING" ] || cannot "$PAPT_KEYRING is missing (package debian-archive-keyring)"
  APT=(apt-get -q
       -o Dir::Etc::SourceList="$PAPT_DIR/etc/sources.list"
       -o Dir::Etc::SourceParts="$PAPT_DIR/etc/sources.list.d"
       -o Dir::Etc::Preferences="$PAPT_DIR/etc/preferences"
       -o Dir::Etc::PreferencesParts="$PAPT_DIR/etc/preferences.d"
       -o Dir::State="$PAPT_DIR/state"
       -o Dir::State::status=/var/lib/dpkg/status
       -o Dir::Cache="$PAPT_DIR/cache"
       -o APT::Get::List-Cleanup=0)
}

# papt_fetch_orig UPSTREAM DEST_DIR SUITE...: the upstream tarball
# suricata_UPSTREAM.orig.tar.{gz,xz} as the first SUITE's signed source index lists
# it, downloaded into DEST_DIR (kept when its SHA-256 is right) and checked against
# the index. Sets PAPT_TARBALL. apt-get source would also fetch the .dsc and debian/
# tarball, which some mirrors lack (404): the orig tarball is fetched alone.
papt_fetch_orig() {
  local upstream=$1 dest=$2 line="" suite url file sha got
  shift 2
  for suite in "$@"; do
    line=$("${APT[@]}" source --print-uris --tar-only "suricata/$suite" 2>/dev/null \
           | grep -E "^'[^']*/suricata_${upstream}\.orig\.tar\.(gz|xz)' " | head -1) || true
    [ -n "$line" ] && break
  done
  [ -n "$line" ] || cannot "no source index ($*) lists suricata_${upstream}.orig.tar.*"
  url=$(sed -E "s/^'([^']*)'.*/\1/" <<<"$line")
  file=$(awk '{print $2}' <<<"$line")
  sha=$(awk '{print $4}' <<<"$line"); sha=${sha#SHA256:}
  PAPT_TARBALL=$dest/$file
  if [ ! -s "$PAPT_TARBALL" ] || [ "$(sha256sum "$PAPT_TARBALL" | cut -d' ' -f1)" != "$sha" ]; then
    say "downloading $url"
    curl -fsSL --retry 2 -o "$PAPT_TARBALL.part" "$url" || cannot "download of $url failed"
    mv "$PAPT_TARBALL.part" "$PAPT_TARBALL"
  fi
  got=$(sha256sum "$PAPT_TARBALL" | cut -d' ' -f1)
  if [ "$got" != "$sha" ]; then
    say "SHA-256 mismatch on $PAPT_TARBALL: $got, the index says $sha"
    rm -f "$PAPT_TARBALL"
    exit 1
  fi
}
