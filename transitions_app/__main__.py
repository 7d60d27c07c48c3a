from transitions_app.cli import main

raise SystemExit(main())
