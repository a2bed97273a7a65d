"""moto server whose requests run one at a time (except SQS long polls).

moto's backends check a condition and then write without a lock, so two concurrent conditional writes
to one DynamoDB item can both succeed -- real DynamoDB is atomic per item. Serializing requests gives
tests of "20 concurrent deliveries act once" the semantics of the real service.
Usage: python3 moto_serialized.py -H 127.0.0.1 -p PORT
"""
import argparse
import os
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

parser = argparse.ArgumentParser()
parser.add_argument("-H", "--host", default="127.0.0.1")
parser.add_argument("-p", "--port", type=int, default=5000)
args = parser.parse_args()
os.environ.setdefault("MOTO_PORT", str(args.port))

app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()


def is_long_poll(environ):
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    return target == "AmazonSQS.ReceiveMessage" or "Action=ReceiveMessage" in environ.get("QUERY_STRING", "")


def serialized(environ, start_response):
    if is_long_poll(environ):
        return app(environ, start_response)
    with lock:
        # materialize the response inside the lock: the backend work may run while it is iterated
        return list(app(environ, start_response))


run_simple(args.host, args.port, serialized, threaded=True)
