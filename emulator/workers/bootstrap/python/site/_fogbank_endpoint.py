"""Points botocore clients at fogbank's endpoint when botocore cannot read AWS_ENDPOINT_URL itself.

botocore learned AWS_ENDPOINT_URL in 1.31 (boto3 1.28); Debian's python3-boto3 is boto3 1.26 with
botocore 1.29, which would send a handler's DynamoDB and SQS calls to AWS. When botocore.session is
imported, Session.create_client gets endpoint_url=$AWS_ENDPOINT_URL for clients whose code does not
pass an endpoint of its own. Nothing is imported until the handler imports botocore (boto3 does).
Standard library only.
"""

import importlib.abc
import importlib.machinery
import os
import sys

_TARGET = "botocore.session"


def _reads_endpoint_url_itself(botocore_module):
    try:
        major, minor = (int(part) for part in botocore_module.__version__.split(".")[:2])
    except (AttributeError, ValueError):
        return True
    return (major, minor) >= (1, 31)


def _patch(session_module):
    botocore = sys.modules.get("botocore")
    if botocore is None or _reads_endpoint_url_itself(botocore):
        return
    session_class = session_module.Session
    original = session_class.create_client
    if getattr(original, "_fogbank", False):
        return

    def create_client(self, service_name, *args, **kwargs):
        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        # endpoint_url is create_client's sixth parameter (after region_name, api_version, use_ssl,
        # verify); boto3 passes everything by keyword.
        if endpoint and len(args) < 5 and kwargs.get("endpoint_url") is None:
            kwargs["endpoint_url"] = endpoint
        return original(self, service_name, *args, **kwargs)

    create_client._fogbank = True
    create_client.__doc__ = original.__doc__
    session_class.create_client = create_client


class _Loader(importlib.abc.Loader):
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        _patch(module)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != _TARGET:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _Loader(spec.loader)
        return spec


def install():
    if not os.environ.get("AWS_ENDPOINT_URL"):
        return
    if _TARGET in sys.modules:
        _patch(sys.modules[_TARGET])
        return
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
