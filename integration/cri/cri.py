#!/usr/bin/python3
"""The CRI end-to-end test's kubelet: turns a Kubernetes Pod manifest into CRI
requests and sends them to containerd over its gRPC socket, in the kubelet's
order and with the kubelet's fields, so that containerd itself writes the
io.kubernetes.cri.* annotations the agent reads.

The messages come from integration/cri/api.proto, compiled at test time into
$CRI_GEN (api_pb2.py, api_pb2_grpc.py); nothing generated is kept in the tree.

  cri.py run POD.yaml [--pod NAME] [--namespace NS]   (a Pod, or a DaemonSet's pod)
                                     RunPodSandbox, then CreateContainer and
                                     StartContainer per container; prints
                                     {"sandbox": ID, "containers": {NAME: ID}}
  cri.py check MANIFEST...            translates every Pod and DaemonSet pod,
                                     sends nothing (fails on a field the
                                     translation does not know)
  cri.py exec CID [--timeout S] -- CMD...
                                     ExecSync: the command's stdout and stderr,
                                     and its exit status as ours
  cri.py status CID                  ContainerStatus as JSON
  cri.py logs CID                    the container's log, the CRI log format's
                                     message part only
  cri.py rm SANDBOX_ID               StopPodSandbox and RemovePodSandbox (which
                                     stop and remove its containers)
  cri.py version                     Version
  cri.py pod POD.yaml [--pod NAME] [--namespace NS]
                                     the Pod (a DaemonSet's as it would run on
                                     this node) as one Pod document, hostPath
                                     paths under CRI_HOST_ROOT: what
                                     `podman kube play` is given; sends nothing

Environment: CRI_SOCK (containerd's socket), CRI_GEN (the generated modules),
CRI_SECCOMP_ROOT (the node's seccomp directory, the kubelet's
/var/lib/kubelet/seccomp), CRI_LOG_ROOT (where pods' logs go),
CRI_HOST_ROOT (where hostPath volumes are, "/" unless given),
CRI_NETWORK=node (no CNI network here: every pod runs in the node's network
namespace, as with hostNetwork: true).
"""
import argparse
import json
import os
import sys
import uuid

sys.path.insert(0, os.environ["CRI_GEN"])
import grpc  # noqa: E402
import yaml  # noqa: E402
import api_pb2 as cri  # noqa: E402
import api_pb2_grpc as cri_grpc  # noqa: E402

TIMEOUT = 120  # seconds per call; containerd's own steps take well under that


def stub():
    channel = grpc.insecure_channel("unix://" + os.environ["CRI_SOCK"])
    return cri_grpc.RuntimeServiceStub(channel)


def fail(msg):
    print("cri.py: " + msg, file=sys.stderr)
    sys.exit(2)


def as_pod(doc):
    """A Pod, or the pod a DaemonSet would run on this node (its template,
    named as the DaemonSet, in the DaemonSet's namespace)."""
    if doc.get("kind") == "DaemonSet":
        meta = dict(doc["spec"]["template"].get("metadata") or {})
        meta["name"] = doc["metadata"]["name"]
        meta["namespace"] = doc["metadata"].get("namespace", "default")
        return {"kind": "Pod", "metadata": meta, "spec": doc["spec"]["template"]["spec"]}
    return doc


def load_pod(path, name, namespace):
    with open(path) as f:
        pods = [as_pod(d) for d in yaml.safe_load_all(f)
                if d and d.get("kind") in ("Pod", "DaemonSet")]
    if name:
        pods = [p for p in pods if p["metadata"]["name"] == name]
    if namespace:
        pods = [p for p in pods if p["metadata"].get("namespace", "default") == namespace]
    if len(pods) != 1:
        fail(f"{path}: expected exactly one Pod (name {name or 'any'}, namespace "
             f"{namespace or 'any'}), found {len(pods)}")
    return pods[0]


# Only what the manifests in kind/manifests use; anything else is refused
# rather than silently dropped, so a manifest cannot claim what the test does
# not do.
POD_SPEC_KEYS = {"restartPolicy", "securityContext", "containers", "hostNetwork", "hostPID",
                 "volumes"}
CONTAINER_KEYS = {"name", "image", "imagePullPolicy", "command", "args", "env",
                  "securityContext", "workingDir", "volumeMounts"}
POD_SECURITY_KEYS = {"seccompProfile"}
CONTAINER_SECURITY_KEYS = {"seccompProfile", "privileged", "capabilities",
                           "allowPrivilegeEscalation"}


def refuse_unknown(what, given, known):
    unknown = set(given or {}) - known
    if unknown:
        fail(f"{what}: unsupported fields {sorted(unknown)}")


def host_paths(spec, make_dirs):
    """hostPath volumes by name, as paths under CRI_HOST_ROOT: the test's node
    keeps them in its own directory, not in this machine's /run. Made first
    where the type says DirectoryOrCreate, as the kubelet does."""
    root = os.environ.get("CRI_HOST_ROOT", "/")
    paths = {}
    for v in spec.get("volumes") or []:
        if "hostPath" not in v:
            fail(f"volume {v['name']}: only hostPath volumes are supported")
        path = os.path.join(root, v["hostPath"]["path"].lstrip("/"))
        if make_dirs and v["hostPath"].get("type") == "DirectoryOrCreate":
            os.makedirs(path, exist_ok=True)
        paths[v["name"]] = path
    return paths


def seccomp(sc, default):
    """SecurityProfile from a seccompProfile, as the kubelet makes it."""
    prof = (sc or {}).get("seccompProfile")
    if prof is None:
        return default
    kind = prof["type"]
    if kind == "Localhost":
        root = os.environ.get("CRI_SECCOMP_ROOT", "/var/lib/kubelet/seccomp")
        return cri.SecurityProfile(profile_type=cri.SecurityProfile.Localhost,
                                   localhost_ref=os.path.join(root, prof["localhostProfile"]))
    if kind == "RuntimeDefault":
        return cri.SecurityProfile(profile_type=cri.SecurityProfile.RuntimeDefault)
    if kind == "Unconfined":
        return cri.SecurityProfile(profile_type=cri.SecurityProfile.Unconfined)
    fail(f"unknown seccompProfile type {kind}")


def namespaces(spec):
    node = spec.get("hostNetwork") or os.environ.get("CRI_NETWORK") == "node"
    return cri.NamespaceOption(
        network=cri.NODE if node else cri.POD,
        pid=cri.NODE if spec.get("hostPID") else cri.CONTAINER,
        ipc=cri.POD)


def translate(pod, make_dirs):
    """The kubelet's CRI configs for a pod: (sandbox config, container configs).
    With make_dirs, the pod's log directory and DirectoryOrCreate hostPaths
    are made, as the kubelet makes them."""
    meta, spec = pod["metadata"], pod["spec"]
    refuse_unknown("pod spec", spec, POD_SPEC_KEYS)
    refuse_unknown("pod securityContext", spec.get("securityContext"), POD_SECURITY_KEYS)
    ns = meta.get("namespace", "default")
    uid = str(uuid.uuid4())
    pod_sc = spec.get("securityContext") or {}
    # The kubelet's default is Unconfined unless the pod says otherwise.
    pod_seccomp = seccomp(pod_sc, cri.SecurityProfile(profile_type=cri.SecurityProfile.Unconfined))
    volumes = host_paths(spec, make_dirs)
    # The kubelet makes the sandbox privileged when a container is.
    privileged = any((c.get("securityContext") or {}).get("privileged") for c in spec["containers"])
    log_dir = os.path.join(os.environ.get("CRI_LOG_ROOT", "/var/log/pods"), f"{ns}_{meta['name']}_{uid}")
    if make_dirs:
        os.makedirs(log_dir, exist_ok=True)
    labels = dict(meta.get("labels") or {})
    labels.update({"io.kubernetes.pod.name": meta["name"], "io.kubernetes.pod.namespace": ns,
                   "io.kubernetes.pod.uid": uid})
    sandbox_config = cri.PodSandboxConfig(
        metadata=cri.PodSandboxMetadata(name=meta["name"], uid=uid, namespace=ns, attempt=0),
        # A pod in the node's network namespace has the node's UTS namespace
        # too; the kubelet then leaves the hostname to the runtime.
        hostname="" if namespaces(spec).network == cri.NODE else meta["name"],
        log_directory=log_dir,
        labels=labels,
        annotations=meta.get("annotations") or {},
        linux=cri.LinuxPodSandboxConfig(security_context=cri.LinuxSandboxSecurityContext(
            namespace_options=namespaces(spec), seccomp=pod_seccomp, privileged=privileged)))
    configs = []
    for c in spec["containers"]:
        refuse_unknown(f"container {c['name']}", c, CONTAINER_KEYS)
        refuse_unknown(f"container {c['name']} securityContext", c.get("securityContext"),
                       CONTAINER_SECURITY_KEYS)
        csc = c.get("securityContext") or {}
        caps = csc.get("capabilities") or {}
        config = cri.ContainerConfig(
            metadata=cri.ContainerMetadata(name=c["name"], attempt=0),
            image=cri.ImageSpec(image=c["image"]),
            command=c.get("command") or [],
            args=c.get("args") or [],
            working_dir=c.get("workingDir", ""),
            envs=[cri.KeyValue(key=e["name"], value=e.get("value", "")) for e in c.get("env") or []],
            mounts=[cri.Mount(container_path=m["mountPath"], host_path=volumes[m["name"]],
                              readonly=bool(m.get("readOnly")))
                    for m in c.get("volumeMounts") or []],
            labels={"io.kubernetes.container.name": c["name"], "io.kubernetes.pod.name": meta["name"],
                    "io.kubernetes.pod.namespace": ns, "io.kubernetes.pod.uid": uid},
            log_path=f"{c['name']}/0.log",
            linux=cri.LinuxContainerConfig(security_context=cri.LinuxContainerSecurityContext(
                capabilities=cri.Capability(add_capabilities=caps.get("add") or [],
                                            drop_capabilities=caps.get("drop") or []),
                privileged=bool(csc.get("privileged")),
                # allowPrivilegeEscalation: false is no_new_privs, as the kubelet sets it.
                no_new_privs=csc.get("allowPrivilegeEscalation") is False,
                namespace_options=namespaces(spec),
                seccomp=seccomp(csc, pod_seccomp))))
        configs.append(config)
    return sandbox_config, configs


def run(args):
    pod = load_pod(args.manifest, args.pod, args.namespace)
    sandbox_config, configs = translate(pod, make_dirs=True)
    s = stub()
    sandbox = s.RunPodSandbox(cri.RunPodSandboxRequest(config=sandbox_config), timeout=TIMEOUT)
    out = {"sandbox": sandbox.pod_sandbox_id, "containers": {}}
    for config in configs:
        created = s.CreateContainer(cri.CreateContainerRequest(
            pod_sandbox_id=sandbox.pod_sandbox_id, config=config, sandbox_config=sandbox_config),
            timeout=TIMEOUT)
        s.StartContainer(cri.StartContainerRequest(container_id=created.container_id), timeout=TIMEOUT)
        out["containers"][config.metadata.name] = created.container_id
    print(json.dumps(out))


def check(args):
    """Translates every pod of the manifests without sending anything."""
    for path in args.manifests:
        with open(path) as f:
            docs = [as_pod(d) for d in yaml.safe_load_all(f)
                    if d and d.get("kind") in ("Pod", "DaemonSet")]
        for pod in docs:
            _, configs = translate(pod, make_dirs=False)
            meta = pod["metadata"]
            print(f"{path}: {meta.get('namespace', 'default')}/{meta['name']}: "
                  f"{len(configs)} container(s)")


def exec_sync(args):
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    r = stub().ExecSync(cri.ExecSyncRequest(container_id=args.cid, cmd=cmd, timeout=args.timeout),
                        timeout=args.timeout + TIMEOUT)
    sys.stdout.buffer.write(r.stdout)
    sys.stderr.buffer.write(r.stderr)
    sys.exit(r.exit_code)


def status(args):
    st = stub().ContainerStatus(cri.ContainerStatusRequest(container_id=args.cid), timeout=TIMEOUT).status
    print(json.dumps({"id": st.id, "name": st.metadata.name,
                      "state": cri.ContainerState.Name(st.state), "exit_code": st.exit_code,
                      "reason": st.reason, "started_at": st.started_at,
                      "finished_at": st.finished_at, "log_path": st.log_path}))


def logs(args):
    st = stub().ContainerStatus(cri.ContainerStatusRequest(container_id=args.cid), timeout=TIMEOUT).status
    with open(st.log_path) as f:
        for line in f:
            # TIMESTAMP STREAM TAG MESSAGE (the CRI log format)
            parts = line.rstrip("\n").split(" ", 3)
            print(parts[3] if len(parts) == 4 else "")


def rm(args):
    s = stub()
    s.StopPodSandbox(cri.StopPodSandboxRequest(pod_sandbox_id=args.sandbox), timeout=TIMEOUT)
    s.RemovePodSandbox(cri.RemovePodSandboxRequest(pod_sandbox_id=args.sandbox), timeout=TIMEOUT)


def pod_yaml(args):
    pod = load_pod(args.manifest, args.pod, args.namespace)
    spec = dict(pod["spec"])
    paths = host_paths(spec, make_dirs=False)
    spec["volumes"] = [dict(v, hostPath=dict(v["hostPath"], path=paths[v["name"]]))
                       for v in spec.get("volumes") or []]
    yaml.safe_dump({"apiVersion": "v1", "kind": "Pod", "metadata": pod["metadata"],
                    "spec": spec}, sys.stdout, sort_keys=False)


def version(_):
    v = stub().Version(cri.VersionRequest(version="v1"), timeout=TIMEOUT)
    print(v.runtime_name, v.runtime_version, v.runtime_api_version)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("manifest")
    r.add_argument("--pod")
    r.add_argument("--namespace")
    r.set_defaults(func=run)
    y = sub.add_parser("pod")
    y.add_argument("manifest")
    y.add_argument("--pod")
    y.add_argument("--namespace")
    y.set_defaults(func=pod_yaml)
    k = sub.add_parser("check")
    k.add_argument("manifests", nargs="+")
    k.set_defaults(func=check)
    e = sub.add_parser("exec")
    e.add_argument("cid")
    e.add_argument("--timeout", type=int, default=30)
    e.add_argument("cmd", nargs=argparse.REMAINDER)
    e.set_defaults(func=exec_sync)
    for name, func in (("status", status), ("logs", logs)):
        c = sub.add_parser(name)
        c.add_argument("cid")
        c.set_defaults(func=func)
    d = sub.add_parser("rm")
    d.add_argument("sandbox")
    d.set_defaults(func=rm)
    sub.add_parser("version").set_defaults(func=version)
    args = p.parse_args()
    try:
        args.func(args)
    except grpc.RpcError as err:
        fail(f"{args.command}: {err.code().name}: {err.details()}")


if __name__ == "__main__":
    main()
