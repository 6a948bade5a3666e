"""fogbank's sitecustomize for the Python processes of Lambda workers (PYTHONPATH).

Gives botocore < 1.31 the fogbank endpoint (_fogbank_endpoint), then runs the sitecustomize that
this one hides, if any (Debian's installs one), so that nothing the machine sets up is lost.
"""

import importlib.util
import os
import sys

try:
    import _fogbank_endpoint

    _fogbank_endpoint.install()
except Exception as error:  # never stop the interpreter from starting
    sys.stderr.write("fogbank sitecustomize: %s\n" % error)


def _run_hidden_sitecustomize():
    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path:
        directory = os.path.abspath(entry or os.getcwd())
        if directory == here:
            continue
        candidate = os.path.join(directory, "sitecustomize.py")
        if os.path.isfile(candidate):
            spec = importlib.util.spec_from_file_location("_hidden_sitecustomize", candidate)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return


try:
    _run_hidden_sitecustomize()
except Exception as error:
    sys.stderr.write("fogbank sitecustomize: %s\n" % error)
