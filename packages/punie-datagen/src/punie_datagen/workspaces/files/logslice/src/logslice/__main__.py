from logslice.cli import main

raise SystemExit(main())
