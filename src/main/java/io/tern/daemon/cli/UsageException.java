package io.tern.daemon.cli;

/**
 * Command-line arguments that cannot be used. The message is one line saying what is wrong and
 * pointing at {@code --help}; the daemon prints it and exits with status 2.
 */
public final class UsageException extends Exception
{
    private static final long serialVersionUID = 1L;

    /**
     * @param problem what is wrong, e.g. {@code unknown option --prot}.
     */
    public UsageException(final String problem)
    {
        super(problem + " (run with --help for usage)", null, false, false);
    }
}
