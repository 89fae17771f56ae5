package io.tern.daemon.cli;

/**
 * {@code --help} or {@code -h}: print the usage text to stdout and exit 0.
 *
 * @param text the usage text, ending in a newline.
 */
public record HelpCommand(String text) implements Command
{
}
