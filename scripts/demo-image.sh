#!/usr/bin/env bash
# Builds the demo image — Debian's busybox-static serving HTTP — as an OCI image layout, with no
# network and no docker: one layer (busybox and its applet links, /www), a config whose default
# command writes /www/hello ("hello from <hostname>") and runs `httpd -f -p 8000 -h /www`.
# Usage: scripts/demo-image.sh OUT_DIR [TAG]   (TAG defaults to 1.0; OUT_DIR is replaced)
# Then: skopeo copy oci:OUT_DIR:TAG docker://REGISTRY/hello:TAG
set -euo pipefail
out=${1:?usage: demo-image.sh OUT_DIR [TAG]}
tag=${2:-1.0}
[[ -x /bin/busybox ]] || { echo "demo-image: /bin/busybox is missing (apt-get install busybox-static)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,www,proc,sys,dev}
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list-full); do
  [[ $applet == bin/busybox ]] || ln -sf /bin/busybox "$root/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
chmod 1777 "$root/tmp"

# Reproducible layer: fixed order, owners and times, so the same busybox gives the same digest.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$root" -cf "$work/layer.tar" .
layer_digest=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
layer_size=$(stat -c %s "$work/layer.tar")

script='echo "hello from $(hostname)" > /www/hello && exec httpd -f -p 8000 -h /www'
jq -n --arg diff "sha256:$layer_digest" --arg script "$script" '{
  architecture: "amd64", os: "linux", created: "1970-01-01T00:00:00Z",
  config: { Cmd: ["/bin/sh", "-c", $script], WorkingDir: "/", ExposedPorts: { "8000/tcp": {} },
            Env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], Labels: { "org.opencontainers.image.title": "flotilla demo: hello" } },
  rootfs: { type: "layers", diff_ids: [$diff] },
  history: [ { created: "1970-01-01T00:00:00Z", created_by: "scripts/demo-image.sh" } ] }' >"$work/config.json"
config_digest=$(sha256sum "$work/config.json" | cut -d' ' -f1)
config_size=$(stat -c %s "$work/config.json")

jq -n --arg cd "sha256:$config_digest" --argjson cs "$config_size" --arg ld "sha256:$layer_digest" --argjson ls "$layer_size" '{
  schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs },
  layers: [ { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $ld, size: $ls } ] }' >"$work/manifest.json"
manifest_digest=$(sha256sum "$work/manifest.json" | cut -d' ' -f1)
manifest_size=$(stat -c %s "$work/manifest.json")

rm -rf "$out"
mkdir -p "$out/blobs/sha256"
mv "$work/layer.tar" "$out/blobs/sha256/$layer_digest"
mv "$work/config.json" "$out/blobs/sha256/$config_digest"
mv "$work/manifest.json" "$out/blobs/sha256/$manifest_digest"
echo '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
jq -n --arg md "sha256:$manifest_digest" --argjson ms "$manifest_size" --arg tag "$tag" '{
  schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
  manifests: [ { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $md, size: $ms,
                 annotations: { "org.opencontainers.image.ref.name": $tag } } ] }' >"$out/index.json"
echo "demo-image: $out (tag $tag, manifest sha256:$manifest_digest)"
