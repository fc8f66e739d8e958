"""`python -m auditor`: the same as the `amlaudit` command."""

from auditor.cli import main

if __name__ == "__main__":
    main()
