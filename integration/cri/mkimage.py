#!/usr/bin/python3
"""Writes a one-layer image as a `docker save` archive, for `ctr images import`.

There is no image registry here, so the CRI end-to-end test makes its images
from files on this machine: a busybox-static root filesystem for the pods and
catatonit as the sandbox ("pause") image.

  mkimage.py OUT.tar NAME:TAG --entrypoint JSON [--busybox] [FILE=PATH_IN_IMAGE ...]

--busybox puts /bin/busybox and a symlink per applet into the layer, with
/etc/passwd and /etc/group for root and nobody.
"""
import argparse
import hashlib
import io
import json
import subprocess
import sys
import tarfile


def add_dir(tar, path):
    info = tarfile.TarInfo(path)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    tar.addfile(info)


def add_bytes(tar, path, data, mode=0o644):
    info = tarfile.TarInfo(path)
    info.size = len(data)
    info.mode = mode
    tar.addfile(info, io.BytesIO(data))


def add_symlink(tar, path, target):
    info = tarfile.TarInfo(path)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    tar.addfile(info)


def layer(args):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for d in ("bin", "etc", "proc", "sys", "dev", "tmp", "root", "mnt"):
            add_dir(tar, d)
        if args.busybox:
            with open("/bin/busybox", "rb") as f:
                add_bytes(tar, "bin/busybox", f.read(), 0o755)
            applets = subprocess.run(["/bin/busybox", "--list"], check=True,
                                     capture_output=True, text=True).stdout.split()
            for applet in applets:
                if applet != "busybox":
                    add_symlink(tar, "bin/" + applet, "busybox")
            add_bytes(tar, "etc/passwd",
                      b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n")
            add_bytes(tar, "etc/group", b"root:x:0:\nnogroup:x:65534:\n")
        made = {"bin", "etc", "proc", "sys", "dev", "tmp", "root", "mnt"}
        for spec in args.files:
            src, _, dst = spec.partition("=")
            if not dst:
                sys.exit(f"mkimage: {spec}: expected FILE=PATH_IN_IMAGE")
            dst = dst.lstrip("/")
            parts = dst.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in made:
                    add_dir(tar, d)
                    made.add(d)
            with open(src, "rb") as f:
                add_bytes(tar, dst, f.read(), 0o755)
    return buf.getvalue()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("name")
    p.add_argument("--entrypoint", required=True, help="a JSON array")
    p.add_argument("--busybox", action="store_true")
    p.add_argument("files", nargs="*")
    args = p.parse_intermixed_args()

    blob = layer(args)
    diff_id = "sha256:" + hashlib.sha256(blob).hexdigest()
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Entrypoint": json.loads(args.entrypoint),
                   "Env": ["PATH=/bin"], "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": "integration/cri/mkimage.py"}],
    }).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps([{"Config": config_name, "RepoTags": [args.name],
                            "Layers": ["layer.tar"]}]).encode()
    with tarfile.open(args.out, "w") as tar:
        add_bytes(tar, "layer.tar", blob)
        add_bytes(tar, config_name, config)
        add_bytes(tar, "manifest.json", manifest)


if __name__ == "__main__":
    main()
