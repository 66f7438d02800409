from panels.simulator.cli import main

raise SystemExit(main())
