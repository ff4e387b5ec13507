"""Entry point of a local container process: ``python -m smspark_local.toolkit.run_container``.

Kept apart from ``container`` so that the classes images import from there
(``InvocationError``, ...) are the same objects the runner catches.
"""

import sys

from smspark_local.toolkit.container import main

sys.exit(main(sys.argv[1:]))
