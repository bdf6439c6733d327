"""Sub-commands of the `review` CLI; each module defines `register(subparsers)`."""
