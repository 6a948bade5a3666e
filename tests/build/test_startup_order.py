"""The fogbank server is linked with the code its start runs laid out together.

cmake/startup_order.cmake says why (an idle server's memory). This checks the built binary, so a
build that silently lost the order (no lld 15 or later, a flag dropped) fails here instead of
only costing memory: the functions of emulator/main/startup_functions.txt that have a section of
their own must lie in the binary in the list's order. It also fails when the list has gone stale
(most of its names no longer in the binary): then run scripts/startup_order.py.
"""

import os
import subprocess
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ORDER_FILE = os.path.join(ROOT, "emulator", "main", "startup_functions.txt")


def listed_functions():
    with open(ORDER_FILE) as lines:
        return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def code_addresses(binary):
    """Mangled name -> address of every function the binary defines."""
    out = subprocess.run(["nm", "--defined-only", binary], check=True, capture_output=True, text=True).stdout
    addresses = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            addresses[parts[2]] = int(parts[0], 16)
    return addresses


class StartupOrder(unittest.TestCase):
    def test_start_functions_are_linked_in_the_listed_order(self):
        binary = os.environ["FOGBANK_BIN"]
        listed = listed_functions()
        addresses = code_addresses(binary)
        found = [name for name in listed if name in addresses]
        print("%d of the %d listed functions are in %s" % (len(found), len(listed), binary))
        self.assertGreaterEqual(len(found), len(listed) // 2,
                                "the list is stale: regenerate it with scripts/startup_order.py")
        # fogbank's own functions each have a section (RocksDB's move with their whole object, so
        # their order inside it is the object's): linked in order, each lies after the one before.
        own = [addresses[name] for name in found if name.startswith("_ZN7fogbank")]
        self.assertGreater(len(own), 100)
        in_order = sum(1 for before, after in zip(own, own[1:]) if before <= after)
        share = in_order / (len(own) - 1)
        # Linked without the order, about half the pairs are in order (the layout is unrelated).
        self.assertGreaterEqual(share, 0.95, "expected fogbank's start functions in the listed order; "
                                "%.0f%% of consecutive pairs are (about 50%% means the order was not applied)" % (100 * share))


if __name__ == "__main__":
    unittest.main()
