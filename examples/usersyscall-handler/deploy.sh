#!/bin/sh
# Builds the example handler and hot-deploys it into a distribution:
#   ./deploy.sh /opt/intercessor          (the directory that has bin/intercessor and deploy/)
# Needs the Intercessor API in the local Maven repository: `mvn install` in the Intercessor
# repository first. Extra arguments go to Maven, e.g. ./deploy.sh /opt/intercessor -o
set -eu

if [ $# -lt 1 ] || [ ! -d "$1/deploy" ]; then
    echo "usage: $0 DISTRIBUTION [MAVEN OPTIONS…]  (DISTRIBUTION: the directory with deploy/)" >&2
    exit 2
fi
dist=$1
shift
here=$(cd "$(dirname "$0")" && pwd)

"${MVN:-mvn}" -B -q -f "$here/pom.xml" "$@" package
jar=$(ls "$here"/target/usersyscall-handler-*.jar)
# Copy beside deploy/, then rename into it: FileInstall never sees a half-written jar.
cp "$jar" "$dist/.usersyscall-handler.jar.tmp"
mv "$dist/.usersyscall-handler.jar.tmp" "$dist/deploy/usersyscall-handler.jar"
echo "deployed $(basename "$jar") to $dist/deploy/usersyscall-handler.jar"
