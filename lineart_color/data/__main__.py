import sys

from lineart_color.data.cli import main

sys.exit(main())
