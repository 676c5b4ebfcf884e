from rnnprep.cli.main import main

raise SystemExit(main())
