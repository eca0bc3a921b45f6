#!/usr/bin/python3
"""Checks Kubernetes manifests offline with Debian's kubectl (kubernetes-client
1.20), without an API server.

kubectl's own validation (`create --dry-run=client`, `--validate`) asks an API
server for discovery and the OpenAPI schema, and there is none here. What
works offline is `kubectl set serviceaccount --local`: it decodes each object
into kubectl's typed Go structs (an unknown apiVersion or kind, or a value of
the wrong type, is an error) and prints the object back from those structs.
A field the structs do not have is dropped on the way, so every field of the
input must come back with its value: an unknown or misspelt field fails too.
Objects without a pod template (a Namespace) are decoded, and kubectl refuses
them naming their Go type, which proves the decoding; they are not printed
back. kind's own Cluster config (kind.x-k8s.io/v1alpha4) is not a Kubernetes
API type: kubectl decodes it unstructured, and its fields are checked against
the v1alpha4 fields kind documents, for the parts kind/cluster.yaml uses.

  validate.py [--kubectl PATH] FILE...

Prints one line per object; exits 1 if any object fails, 77 if Debian's
kubectl is not found: SA_KUBECTL, or kubernetes-client's as
scripts/install-deps.sh leaves it (/usr/bin/kubectl, or unpacked into
/var/cache/seccomp-agent/kubernetes-client where another package owns
/usr/bin/kubectl).
"""
import argparse
import json
import os
import subprocess
import sys

import yaml

KIND_CLUSTER = "kind.x-k8s.io/v1alpha4"
# kind v1alpha4's Cluster and Node fields (kind's configuration reference).
KIND_FIELDS = {
    (): {"kind", "apiVersion", "name", "nodes", "networking", "featureGates",
         "runtimeConfig", "kubeadmConfigPatches", "kubeadmConfigPatchesJSON6902",
         "containerdConfigPatches", "containerdConfigPatchesJSON6902"},
    ("nodes",): {"role", "image", "labels", "extraMounts", "extraPortMappings",
                 "kubeadmConfigPatches", "kubeadmConfigPatchesJSON6902"},
    ("nodes", "extraMounts"): {"hostPath", "containerPath", "readOnly", "selinuxRelabel",
                               "propagation"},
}


KUBECTLS = [os.environ.get("SA_KUBECTL"),
            "/var/cache/seccomp-agent/kubernetes-client/usr/bin/kubectl", "/usr/bin/kubectl"]


def debian_kubectl():
    """The first of KUBECTLS that is kubernetes-client's 1.20."""
    for path in filter(None, KUBECTLS):
        try:
            r = subprocess.run([path, "version", "--client", "-o", "json"],
                               capture_output=True, text=True)
        except OSError:
            continue
        if r.returncode == 0 and \
                json.loads(r.stdout)["clientVersion"]["gitVersion"].startswith("v1.20."):
            return path
    print("validate.py: cannot run here: Debian's kubectl 1.20 (kubernetes-client) not found "
          f"at {', '.join(filter(None, KUBECTLS))}", file=sys.stderr)
    sys.exit(77)


def kubectl(path, args, doc):
    env = dict(os.environ, KUBECONFIG=os.devnull)
    return subprocess.run([path, *args, "-f", "-"], input=json.dumps(doc), env=env,
                          capture_output=True, text=True)


def missing(given, back, where=""):
    """The places where GIVEN has something BACK does not (BACK may have more)."""
    if isinstance(given, dict):
        if not isinstance(back, dict):
            return [where or "/"]
        out = []
        for k, v in given.items():
            if k not in back:
                out.append(f"{where}/{k}")
            else:
                out += missing(v, back[k], f"{where}/{k}")
        return out
    if isinstance(given, list):
        if not isinstance(back, list) or len(back) != len(given):
            return [where]
        return [p for i, v in enumerate(given) for p in missing(v, back[i], f"{where}/{i}")]
    if given != back and str(given) != str(back):
        return [f"{where} ({given!r} came back as {back!r})"]
    return []


def check_kind_cluster(kube, doc):
    r = kubectl(kube, ["label", "--local", "-o", "json", "seccomp-agent/validated=yes"], doc)
    if r.returncode != 0:
        return r.stderr.strip()
    errors = []

    def walk(node, path):
        known = KIND_FIELDS.get(path)
        if known is None:
            return
        for item in node if isinstance(node, list) else [node]:
            if not isinstance(item, dict):
                errors.append(f"/{'/'.join(path)}: expected an object, got {item!r}")
                continue
            for k, v in item.items():
                if k not in known:
                    errors.append(f"/{'/'.join(path + (k,))}: not a field of kind's {KIND_CLUSTER}")
                else:
                    walk(v, path + (k,))
    walk(doc, ())
    if doc.get("kind") != "Cluster":
        errors.append(f"kind {doc.get('kind')!r}: {KIND_CLUSTER} has only Cluster")
    return "; ".join(errors)


def check_object(kube, doc):
    for key in ("apiVersion", "kind"):
        if not doc.get(key):
            return f"no {key}"
    if not (doc.get("metadata") or {}).get("name"):
        return "no metadata.name"
    try:
        spec = doc.get("spec") or {}
        spec = spec if doc["kind"] == "Pod" else spec.get("template", {}).get("spec", {})
        sa = spec.get("serviceAccountName") or "default"
    except AttributeError:
        sa = "default"  # not objects where a pod spec would be: kubectl says what is wrong
    r = kubectl(kube, ["set", "serviceaccount", "--local", "-o", "json", sa], doc)
    if r.returncode == 0:
        lost = missing(doc, json.loads(r.stdout))
        return f"fields kubectl's types do not have or changed: {', '.join(lost)}" if lost else ""
    if "the object is not a pod or does not have a pod template: *v1." in r.stderr:
        return ""  # decoded as a typed object, which has no pod template
    return r.stderr.strip()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kubectl")
    p.add_argument("files", nargs="+")
    args = p.parse_args()
    args.kubectl = args.kubectl or debian_kubectl()
    failed = 0
    for path in args.files:
        try:
            with open(path) as f:
                docs = [d for d in yaml.safe_load_all(f) if d is not None]
        except yaml.YAMLError as e:
            print(f"FAIL {path}: not YAML: {e}".replace("\n", " "))
            failed += 1
            continue
        if not docs:
            print(f"FAIL {path}: no objects")
            failed += 1
        for i, doc in enumerate(docs):
            if not isinstance(doc, dict):
                err = f"document {i} is not an object"
            elif doc.get("apiVersion") == KIND_CLUSTER:
                err = check_kind_cluster(args.kubectl, doc)
            else:
                err = check_object(args.kubectl, doc)
            name = f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name') or doc.get('name', '-')}" \
                if isinstance(doc, dict) else f"#{i}"
            print(f"{'FAIL' if err else 'ok'} {path}: {name}{': ' + err if err else ''}")
            failed += bool(err)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
