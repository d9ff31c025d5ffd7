# Sourced by the benchmarks. start_netns_agent WHO SUBNET starts the published native agent
# (artifacts/bin/NodeAgent) with its state in $work, its socket at $socket, node id $node, runtime $runtime,
# and its network in a namespace of its own ($netns, created here; bridge flt$suffix on SUBNET); sets agent_pid
# and returns once the agent answers on its socket. WHO prefixes the error when it does not.
start_netns_agent() {
  local who=$1 subnet=$2
  ip netns add "$netns"
  artifacts/bin/NodeAgent/Flotilla.NodeAgent \
    --Agent:StateDirectory="$work/state" --Agent:SocketPath="$socket" --Agent:HttpPort=0 --Agent:NodeId="$node" \
    --Runtime:Path="$runtime" --Runtime:Root="/run/flotilla-$node" \
    --Networking:BridgeName="flt$suffix" --Networking:Subnet="$subnet" \
    --Networking:HostNetworkNamespace="/run/netns/$netns" --Networking:NetnsDirectory="$work/netns" \
    --Logging:LogLevel:Default=Warning >"$work/agent.log" 2>&1 &
  agent_pid=$!
  for _ in $(seq 1 300); do docker -H "unix://$socket" version >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "$who: the agent did not start" >&2
  cat "$work/agent.log" >&2
  exit 1
}
