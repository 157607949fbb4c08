import sys

from lineart_color.cli import main

sys.exit(main())
