package io.tern.daemon.cli;

/**
 * What the command line asks the daemon to do, as parsed by {@link CommandLine#parse(String...)}.
 */
public sealed interface Command permits RunCommand, TokenCommand, HelpCommand
{
}
