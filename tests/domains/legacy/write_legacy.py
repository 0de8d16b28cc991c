"""Write a store with the *old* domain package (run as a script with PYTHONPATH=legacy).

The environment is the library's (PERSISTENCE_MODULE, ...). Prints the stream ids as JSON.
"""

from __future__ import annotations

import json
import os

from eidomain.oldnames import Cattery, Kitten
from eidomain.versioned import Bank, write

if __name__ == "__main__":
    env = dict(os.environ)
    ids = write(env)
    app = Cattery(env=env)
    k = Kitten("tom")
    for toy in ("ball", "mouse", "string"):
        k.give_toy(toy)
    app.save(k)
    app.close()
    ids["kitten"] = str(k.id)
    assert Bank.name == "Bank"
    print(json.dumps(ids))
