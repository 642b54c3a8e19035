from rnntrace._internal.cli import main

main()
