# Sourced by the benchmarks. layered_image_context DIR writes a docker build context in DIR: busybox-static
# and five layers of ~8 MiB random data plus text files each (half incompressible, half text: realistic gzip
# work per layer), ~100 MiB unpacked, with a Dockerfile that adds them as six layers.
layered_image_context() {
  local ctx=$1 layer dir i
  mkdir -p "$ctx"
  cp /bin/busybox "$ctx/busybox"
  for layer in 1 2 3 4 5; do
    dir="$ctx/layer$layer/data/layer$layer"
    mkdir -p "$dir"
    head -c $((8 << 20)) /dev/urandom >"$dir/random.bin"
    for i in $(seq 1 200); do seq $((i * 100)) $((i * 100 + 2000)) >"$dir/text-$i.txt"; done
    tar -C "$ctx/layer$layer" -cf "$ctx/layer$layer.tar" .
    rm -rf "$ctx/layer$layer"
  done
  printf 'FROM scratch\nCOPY busybox /bin/busybox\nADD layer1.tar /\nADD layer2.tar /\nADD layer3.tar /\nADD layer4.tar /\nADD layer5.tar /\nCMD ["/bin/busybox", "sh"]\n' >"$ctx/Dockerfile"
}
