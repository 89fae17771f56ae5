package io.tern.daemon.config;

/**
 * A configuration file or profile that cannot be used. The message is one line that names the
 * file and the key, e.g. {@code config error in /etc/tern/config.yml: api.port must be at most
 * 65535, not 70000}; the daemon prints it and exits with status 2, without a stack trace.
 */
public final class ConfigException extends Exception
{
    private static final long serialVersionUID = 1L;

    private final String source;
    private final String detail;

    /**
     * @param source the file (or profile name) that holds the bad value.
     * @param detail what is wrong, starting with the key, e.g. {@code token is required}.
     */
    public ConfigException(final String source, final String detail)
    {
        super("config error in " + source + ": " + detail, null, false, false);
        this.source = source;
        this.detail = detail;
    }

    /**
     * @return the file or profile that holds the bad value.
     */
    public String source()
    {
        return source;
    }

    /**
     * @return the message without the {@code config error in <source>:} prefix.
     */
    public String detail()
    {
        return detail;
    }
}
