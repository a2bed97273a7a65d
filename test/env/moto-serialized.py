"""moto server for Homeostat's tests: requests run one at a time, and missing actions are filled in.

1. Serialized: moto's backends check a condition and then write without a lock, so two concurrent
   conditional writes to one DynamoDB item can both succeed -- real DynamoDB is atomic per item.
   Running requests one at a time (SQS long polls excepted) gives tests of "20 concurrent deliveries
   act once" the semantics of the real service.
2. Auto Scaling lifecycle actions: moto 5 keeps groups and lifecycle hooks but answers
   CompleteLifecycleAction and RecordLifecycleActionHeartbeat with "not implemented". Here they are
   validated against moto's own state as AWS does (the group and the hook must exist, the result must
   be CONTINUE or ABANDON), answered, and recorded. Tests read the record and can inject server faults:
     GET    /_homeostat/lifecycle-calls            -> JSON list of calls
     POST   /_homeostat/lifecycle-failures         {"group": NAME, "times": N}: the next N calls for the
                                                   group get 503 ServiceUnavailable
3. Fault injection: AWS calls answered with an error at a set rate or for the next N calls (see the block
   "fault injection" below and test/env/moto-faults.ts).
4. EKS: DescribeCluster can return the test API server's endpoint and CA, and access entries exist
   (the block marked "EKS for the deployed tests" below); EventBridge TestEventPattern is answered
   with moto's own pattern engine.
Usage: python3 moto-serialized.py -H 127.0.0.1 -p PORT
"""
import argparse
import io
import json
import os
import re
import threading
import time
import uuid
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

parser = argparse.ArgumentParser()
parser.add_argument("-H", "--host", default="127.0.0.1")
parser.add_argument("-p", "--port", type=int, default=5000)
args = parser.parse_args()
os.environ.setdefault("MOTO_PORT", str(args.port))
# AWS's managed policies exist in every account, as in AWS: the stack replayed into moto
# (test/infra/replay.infra.ts) attaches AWSLambdaBasicExecutionRole and AWSLambdaVPCAccessExecutionRole
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()

LIFECYCLE_ACTIONS = {"CompleteLifecycleAction", "RecordLifecycleActionHeartbeat"}
XMLNS = "http://autoscaling.amazonaws.com/doc/2011-01-01/"
lifecycle_calls = []
lifecycle_failures = {}


def respond(start_response, status, body, content_type="text/xml"):
    data = body.encode("utf-8")
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]


def aws_error(start_response, status, code, message):
    kind = "Receiver" if status.startswith("5") else "Sender"
    body = (
        f'<ErrorResponse xmlns="{XMLNS}"><Error><Type>{kind}</Type><Code>{code}</Code>'
        f"<Message>{message}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )
    return respond(start_response, status, body)


def region_of(environ):
    match = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
    return match.group(1) if match else "us-east-1"


def lifecycle_action(environ, start_response, action, params):
    from moto.autoscaling.models import autoscaling_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    group = params.get("AutoScalingGroupName", "")
    hook = params.get("LifecycleHookName", "")
    if lifecycle_failures.get(group, 0) > 0:
        lifecycle_failures[group] -= 1
        return aws_error(start_response, "503 Service Unavailable", "ServiceUnavailable", "injected by the test")
    if not params.get("InstanceId") and not params.get("LifecycleActionToken"):
        return aws_error(start_response, "400 Bad Request", "ValidationError",
                         "Either InstanceId or LifecycleActionToken must be given")
    result = params.get("LifecycleActionResult")
    if action == "CompleteLifecycleAction" and result not in ("CONTINUE", "ABANDON"):
        return aws_error(start_response, "400 Bad Request", "ValidationError",
                         f"LifecycleActionResult must be CONTINUE or ABANDON, got {result}")
    backend = autoscaling_backends[DEFAULT_ACCOUNT_ID][region_of(environ)]
    if not any(h.name == hook for h in backend.describe_lifecycle_hooks(group)):
        return aws_error(start_response, "400 Bad Request", "ValidationError",
                         f"No Lifecycle Hook found for {group}/{hook}")
    call = {"action": action, "autoScalingGroupName": group, "lifecycleHookName": hook}
    for field, name in (("InstanceId", "instanceId"), ("LifecycleActionToken", "lifecycleActionToken"),
                        ("LifecycleActionResult", "lifecycleActionResult")):
        if params.get(field):
            call[name] = params[field]
    lifecycle_calls.append(call)
    body = (
        f'<{action}Response xmlns="{XMLNS}"><{action}Result/>'
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata></{action}Response>"
    )
    return respond(start_response, "200 OK", body)


def control(environ, start_response, body):
    path = environ.get("PATH_INFO", "")
    method = environ.get("REQUEST_METHOD", "GET")
    if path == "/_homeostat/lifecycle-calls" and method == "GET":
        return respond(start_response, "200 OK", json.dumps(lifecycle_calls), "application/json")
    if path == "/_homeostat/lifecycle-failures" and method == "POST":
        request = json.loads(body or b"{}")
        lifecycle_failures[request["group"]] = int(request["times"])
        return respond(start_response, "204 No Content", "", "application/json")
    if path == "/_homeostat/eks-clusters" and method == "POST":
        return respond(start_response, "200 OK", json.dumps(eks_register_cluster(body)), "application/json")
    return respond(start_response, "404 Not Found", json.dumps({"error": f"no {method} {path}"}), "application/json")


# ---------------------------------------------------------------- fault injection (test/env/moto-faults.ts)
# AWS JSON-protocol calls (DynamoDB, EventBridge, ...) answered with an error instead of reaching moto, as
# a throttled table or a failing service answers, at a set rate (seeded: a failure can be replayed) or for
# the next N matching calls. A rule matches on the X-Amz-Target header (e.g. "DynamoDB_20120810." for
# every DynamoDB call, "AWSEvents.PutEvents") and, to keep it to one test's resources, on a string the
# request body contains (its table or bus name). The request never reaches moto, so nothing is written.
#   PUT    /_homeostat/faults  {"seed": N, "rules": [{"name", "target", "contains", "rate" | "times",
#                              "status", "code", "protocol": "1.0" | "1.1"}]}  replaces the rules
#   GET    /_homeostat/faults  -> {"injected": [{"rule", "target", "code"}], "passed": {target: count}}
#   DELETE /_homeostat/faults  clears rules and counts
import random

faults = {"rules": [], "random": random.Random(0), "injected": [], "passed": {}}


def fault_control(method, body, start_response):
    if method == "PUT":
        request = json.loads(body or b"{}")
        rules = []
        for rule in request.get("rules", []):
            if not rule.get("target") or not rule.get("code") or not rule.get("status"):
                return respond(start_response, "400 Bad Request",
                               json.dumps({"error": "a rule needs target, code and status"}), "application/json")
            if ("rate" in rule) == ("times" in rule):
                return respond(start_response, "400 Bad Request",
                               json.dumps({"error": "a rule needs rate or times, not both"}), "application/json")
            rules.append(dict(rule))
        faults.update(rules=rules, random=random.Random(int(request.get("seed", 0))), injected=[], passed={})
        return respond(start_response, "204 No Content", "", "application/json")
    if method == "GET":
        return respond(start_response, "200 OK",
                       json.dumps({"injected": faults["injected"], "passed": faults["passed"]}), "application/json")
    if method == "DELETE":
        faults.update(rules=[], random=random.Random(0), injected=[], passed={})
        return respond(start_response, "204 No Content", "", "application/json")
    return respond(start_response, "405 Method Not Allowed", "", "application/json")


def injected_fault(environ, body, start_response):
    """The error answer of the first rule that fires for this call, or None to let it through."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if not target or not faults["rules"]:
        return None
    text = body.decode("utf-8", "replace")
    for rule in faults["rules"]:
        if not target.startswith(rule["target"]) or rule.get("contains", "") not in text:
            continue
        if "times" in rule:
            if rule["times"] <= 0:
                continue
            rule["times"] -= 1
        elif faults["random"].random() >= float(rule["rate"]):
            continue
        faults["injected"].append({"rule": rule.get("name", ""), "target": target, "code": rule["code"]})
        status = int(rule["status"])
        reason = {400: "Bad Request", 500: "Internal Server Error", 503: "Service Unavailable"}.get(status, "Error")
        data = json.dumps({"__type": rule["code"], "message": f"injected by the test ({rule.get('name', '')})"})
        start_response(f"{status} {reason}", [
            ("Content-Type", f"application/x-amz-json-{rule.get('protocol', '1.0')}"),
            ("x-amzn-ErrorType", rule["code"]),
            ("x-amzn-RequestId", str(uuid.uuid4())),
            ("Content-Length", str(len(data))),
        ])
        return [data.encode("utf-8")]
    for rule in faults["rules"]:
        if target.startswith(rule["target"]) and rule.get("contains", "") in text:
            faults["passed"][target] = faults["passed"].get(target, 0) + 1
            break
    return None
# ---------------------------------------------------------------- end of fault injection


# ---------------------------------------------------------------------------------------------
# EKS for the deployed tests (issue 11): moto 5 keeps EKS clusters but invents their endpoint and
# CA, and has no access entries. This block lets a Lambda bundle reach the test cluster the way a
# deployed function reaches EKS (DescribeCluster, then a token from its role's credentials):
#   POST /_homeostat/eks-clusters  {"name", "region", "endpoint", "certificateAuthorityData"}:
#        creates the cluster in moto when absent and makes DescribeCluster return this endpoint and CA
#   CreateAccessEntry   POST /clusters/NAME/access-entries
#   DescribeAccessEntry GET  /clusters/NAME/access-entries/PRINCIPAL_ARN
#   ListAccessEntries   GET  /clusters/NAME/access-entries
# validated as EKS does: the cluster must exist, one entry per principal, no `system:` groups.
EKS_ACCESS_ENTRY = re.compile(r"^/clusters/([^/]+)/access-entries(?:/(.+))?$")
eks_access_entries = {}


def eks_backend(region):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.eks.models import eks_backends

    return eks_backends[DEFAULT_ACCOUNT_ID][region]


def eks_error(start_response, status, code, message):
    body = json.dumps({"message": message})
    start_response(status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code),
                            ("Content-Length", str(len(body)))])
    return [body.encode("utf-8")]


def eks_register_cluster(body):
    request = json.loads(body or b"{}")
    backend = eks_backend(request["region"])
    if request["name"] not in backend.clusters:
        backend.create_cluster(
            name=request["name"],
            role_arn=f"arn:aws:iam::{backend.account_id}:role/homeostat-test-cluster",
            resources_vpc_config={},
        )
    cluster = backend.clusters[request["name"]]
    cluster.endpoint = request["endpoint"]
    cluster.certificate_authority = {"data": request["certificateAuthorityData"]}
    return {"name": cluster.name, "arn": cluster.arn, "endpoint": cluster.endpoint}


def eks_access_entry(entry, cluster):
    return {"clusterName": cluster.name, "accessEntryArn": entry["accessEntryArn"], **entry["fields"]}


def eks_access_entries_api(environ, start_response, body):
    """The three access-entry actions, or None for any other request."""
    match = EKS_ACCESS_ENTRY.match(environ.get("PATH_INFO", ""))
    if not match or "/eks/" not in environ.get("HTTP_AUTHORIZATION", ""):
        return None
    from urllib.parse import unquote

    backend = eks_backend(region_of(environ))
    name, principal = match.group(1), match.group(2)
    cluster = backend.clusters.get(name)
    if cluster is None:
        return eks_error(start_response, "404 Not Found", "ResourceNotFoundException",
                         f"No cluster found for name: {name}.")
    entries = eks_access_entries.setdefault((region_of(environ), name), {})
    method = environ.get("REQUEST_METHOD")
    if method == "POST" and principal is None:
        request = json.loads(body or b"{}")
        principal_arn = request.get("principalArn", "")
        if not re.match(r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/.+", principal_arn):
            return eks_error(start_response, "400 Bad Request", "InvalidParameterException",
                             f"The principalArn parameter format is not valid: {principal_arn}")
        groups = request.get("kubernetesGroups", [])
        if any(group.startswith("system:") for group in groups):
            return eks_error(start_response, "400 Bad Request", "InvalidParameterException",
                             "The kubernetes group name system: prefix is reserved")
        if principal_arn in entries:
            return eks_error(start_response, "409 Conflict", "ResourceInUseException",
                             f"The specified access entry resource is already in use on this cluster: {principal_arn}")
        role = principal_arn.split("/")[-1]
        now = time.time()
        entries[principal_arn] = {
            "accessEntryArn": f"arn:aws:eks:{region_of(environ)}:{backend.account_id}:access-entry/{name}/role/{backend.account_id}/{role}/{uuid.uuid4()}",
            "fields": {
                "principalArn": principal_arn,
                "kubernetesGroups": groups,
                "type": request.get("type", "STANDARD"),
                "username": request.get("username")
                or f"arn:aws:sts::{backend.account_id}:assumed-role/{role}/{{{{SessionName}}}}",
                "tags": request.get("tags", {}),
                "createdAt": now,
                "modifiedAt": now,
            },
        }
        return respond(start_response, "200 OK",
                       json.dumps({"accessEntry": eks_access_entry(entries[principal_arn], cluster)}),
                       "application/json")
    if method == "GET" and principal is None:
        return respond(start_response, "200 OK", json.dumps({"accessEntries": sorted(entries)}), "application/json")
    if method == "GET":
        entry = entries.get(unquote(principal))
        if entry is None:
            return eks_error(start_response, "404 Not Found", "ResourceNotFoundException",
                             f"The specified principalArn could not be found: {unquote(principal)}")
        return respond(start_response, "200 OK", json.dumps({"accessEntry": eks_access_entry(entry, cluster)}),
                       "application/json")
    return None
# --- end of the EKS block --------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# EventBridge TestEventPattern (issue 11): moto 5.2.1 routes it but answers nothing. Answered here
# with moto's own pattern engine (moto.events.models.EventPattern, what its rules match with), so
# the infra tests can check each rule's pattern against the sample events.
def test_event_pattern(environ, start_response, body):
    if environ.get("HTTP_X_AMZ_TARGET") != "AWSEvents.TestEventPattern":
        return None
    from moto.events.models import EventPattern

    request = json.loads(body or b"{}")
    try:
        pattern = EventPattern.load(request["EventPattern"])
        event = json.loads(request["Event"])
    except Exception as error:  # an invalid pattern or event is the caller's error, as in AWS
        return eks_error(start_response, "400 Bad Request", "InvalidEventPatternException", str(error))
    return respond(start_response, "200 OK", json.dumps({"Result": bool(pattern.matches_event(event))}),
                   "application/x-amz-json-1.1")
# --- end of the TestEventPattern block --------------------------------------------------------


def homeostat_extensions(environ, start_response):
    """Answers the control API, injected faults and the two lifecycle actions; everything else goes to moto."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    if environ.get("PATH_INFO", "") == "/_homeostat/faults":
        return fault_control(environ.get("REQUEST_METHOD", "GET"), body, start_response)
    if environ.get("PATH_INFO", "").startswith("/_homeostat/"):
        return control(environ, start_response, body)
    fault = injected_fault(environ, body, start_response)
    if fault is not None:
        return fault
    eks = eks_access_entries_api(environ, start_response, body)
    if eks is not None:
        return eks
    matched = test_event_pattern(environ, start_response, body)
    if matched is not None:
        return matched
    if environ.get("REQUEST_METHOD") == "POST" and b"Action=" in body:
        params = {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}
        action = params.get("Action")
        if action in LIFECYCLE_ACTIONS and "autoscaling" in environ.get("HTTP_AUTHORIZATION", ""):
            return lifecycle_action(environ, start_response, action, params)
    return app(environ, start_response)


def is_long_poll(environ):
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    return target == "AmazonSQS.ReceiveMessage" or "Action=ReceiveMessage" in environ.get("QUERY_STRING", "")


def serialized(environ, start_response):
    if is_long_poll(environ):
        return homeostat_extensions(environ, start_response)
    with lock:
        # materialize the response inside the lock: the backend work may run while it is iterated
        return list(homeostat_extensions(environ, start_response))


run_simple(args.host, args.port, serialized, threaded=True)
