#!/usr/bin/python3
"""Checks the Kubernetes manifests of deploy/kubernetes: each document against a JSON
schema of the fields sonde's manifests use (strict: an unknown or misspelt field is an
error, as `kubectl apply --validate=strict` would say), and the cross-references a
schema cannot see (selectors match the pod labels, probes and monitors name a declared
port, one namespace, the bundle path is mounted). Usage: check_manifests.py REPO_DIR"""
import glob
import json
import os
import sys

import jsonschema
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))


def fail(problems, where, message):
    problems.append(f"{where}: {message}")


def check(repo):
    schemas = json.load(open(os.path.join(HERE, "kubernetes-schemas.json")))
    problems = []
    docs = []
    for path in sorted(glob.glob(os.path.join(repo, "deploy/kubernetes/*.yaml"))):
        for i, doc in enumerate(yaml.safe_load_all(open(path))):
            if doc is None:
                continue
            where = f"{os.path.relpath(path, repo)}#{i}"
            key = f"{doc.get('apiVersion')}/{doc.get('kind')}"
            schema = schemas.get(key)
            if schema is None:
                fail(problems, where, f"no schema for {key}")
                continue
            validator = jsonschema.Draft7Validator({**schema, "definitions": schemas["definitions"]})
            for error in sorted(validator.iter_errors(doc), key=str):
                location = "/".join(str(p) for p in error.absolute_path)
                fail(problems, where, f"{location}: {error.message}")
            docs.append((where, doc))
    by_kind = {}
    for where, doc in docs:
        by_kind.setdefault(doc["kind"], []).append((where, doc))
    namespaces = {d["metadata"]["name"] for _, d in by_kind.get("Namespace", [])}
    for where, doc in docs:
        ns = doc["metadata"].get("namespace")
        if doc["kind"] != "Namespace" and ns not in namespaces:
            fail(problems, where, f"namespace {ns!r} is not declared in deploy/kubernetes")
    for where, ds in by_kind.get("DaemonSet", []):
        spec = ds["spec"]
        labels = spec["template"]["metadata"].get("labels", {})
        for k, v in spec["selector"]["matchLabels"].items():
            if labels.get(k) != v:
                fail(problems, where, f"selector {k}={v} does not match the pod template's labels")
        pod = spec["template"]["spec"]
        volumes = {v["name"] for v in pod.get("volumes", [])}
        for c in pod["containers"]:
            ports = {p.get("name") for p in c.get("ports", [])}
            for probe in ("readinessProbe", "livenessProbe"):
                if probe not in c:
                    fail(problems, where, f"container {c['name']} has no {probe}")
                    continue
                port = c[probe].get("httpGet", {}).get("port")
                if isinstance(port, str) and port not in ports:
                    fail(problems, where, f"{probe} names port {port!r}, which the container lacks")
            mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
            for m in c.get("volumeMounts", []):
                if m["name"] not in volumes:
                    fail(problems, where, f"mount {m['name']!r} has no volume")
            for arg in c.get("args", []):
                if arg.startswith("/") and not any(arg.startswith(p + "/") for p in mounts):
                    fail(problems, where, f"argument {arg} is not under a mounted path")
        pod_ports = {p.get("name") for c in pod["containers"] for p in c.get("ports", [])}
        for kind in ("PodMonitor",):
            for mwhere, monitor in by_kind.get(kind, []):
                if monitor["spec"]["selector"]["matchLabels"] != spec["selector"]["matchLabels"]:
                    fail(problems, mwhere, "selects other pods than the DaemonSet's")
                for e in monitor["spec"]["podMetricsEndpoints"]:
                    if e["port"] not in pod_ports:
                        fail(problems, mwhere, f"port {e['port']!r} is not a container port")
        for swhere, svc in by_kind.get("Service", []):
            if svc["spec"]["selector"] != spec["selector"]["matchLabels"]:
                fail(problems, swhere, "selects other pods than the DaemonSet's")
            for p in svc["spec"]["ports"]:
                if isinstance(p.get("targetPort"), str) and p["targetPort"] not in pod_ports:
                    fail(problems, swhere, f"targetPort {p['targetPort']!r} is not a container port")
    for where, sm in by_kind.get("ServiceMonitor", []):
        services = by_kind.get("Service", [])
        names = {p["name"] for _, s in services for p in s["spec"]["ports"]}
        for e in sm["spec"]["endpoints"]:
            if e["port"] not in names:
                fail(problems, where, f"port {e['port']!r} is not a Service port")
    return problems, len(docs)


def self_test():
    """The check must be able to fail: a misspelt field and a probe on a missing port."""
    import tempfile
    with tempfile.TemporaryDirectory() as repo:
        os.makedirs(os.path.join(repo, "deploy/kubernetes"))
        with open(os.path.join(repo, "deploy/kubernetes/bad.yaml"), "w") as f:
            f.write("""apiVersion: v1
kind: Namespace
metadata: {name: monitoring}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: x, namespace: monitoring}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec:
      containers:
        - name: x
          image: x
          ports: [{name: metrics, containerPort: 1}]
          readinesProbe: {httpGet: {path: /, port: metrics}}
          livenessProbe: {httpGet: {path: /, port: web}}
""")
        problems, _ = check(repo)
    wanted = ["readinesProbe", "no readinessProbe", "port 'web'"]
    missing = [w for w in wanted if not any(w in p for p in problems)]
    if missing:
        print(f"self-test: expected problems mentioning {missing}, got {problems}")
        return 1
    return 0


def main():
    if sys.argv[1:2] == ["--self-test"]:
        return self_test()
    problems, count = check(sys.argv[1] if len(sys.argv) > 1 else ".")
    for p in problems:
        print(p)
    if not problems:
        print(f"{count} manifests checked")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
