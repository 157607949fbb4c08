"""The command-line front ends of `lineart-color`, one module a subcommand (data, train, colorize,
evaluate, export, serve, and the demo), over `common`, the leaf they share. `lineart_color.cli`
assembles them into the one console script."""
