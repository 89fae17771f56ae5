package io.tern.daemon.config;

import java.util.regex.Pattern;

/**
 * The textual form of server and user uuids: 32 hex digits in 8-4-4-4-12 groups, as panels write
 * them. Checked strictly because a server's uuid names its directory under {@code system.data}.
 */
public final class UuidFormat
{
    private static final Pattern UUID = Pattern.compile(
        "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private UuidFormat()
    {
    }

    /**
     * @param text any text.
     * @return whether it is a uuid in the 8-4-4-4-12 hex form (either case).
     */
    public static boolean isValid(final String text)
    {
        return UUID.matcher(text).matches();
    }
}
