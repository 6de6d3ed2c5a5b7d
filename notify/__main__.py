import sys

from notify.cli import main

sys.exit(main())
