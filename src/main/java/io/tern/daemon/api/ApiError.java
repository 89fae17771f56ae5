package io.tern.daemon.api;

/**
 * A request the admin API refuses: the HTTP status and the text of the {@code {"error":…}} body.
 * Thrown while a body is parsed or a route runs, on a worker thread; {@link AdminApi} turns it into
 * the response. Carries no stack trace: it is an answer, not a failure of the daemon.
 */
final class ApiError extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int status;

    /**
     * @param status  the HTTP status, 4xx or 5xx.
     * @param message what was wrong, for the caller.
     */
    ApiError(final int status, final String message)
    {
        super(message, null, false, false);
        this.status = status;
    }

    /**
     * @return the HTTP status.
     */
    int status()
    {
        return status;
    }
}
