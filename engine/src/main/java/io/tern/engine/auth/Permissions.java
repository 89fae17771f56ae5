package io.tern.engine.auth;

import java.util.List;

/**
 * The nine permissions that matter to the websocket (PROTOCOL.md §3.5), as bits. A token's list is
 * folded into an int once at {@code auth}, so permission checks on hot paths are one AND.
 * {@code *} grants every permission that does not start with {@code admin}.
 */
public final class Permissions
{
    public static final int CONNECT = 1;
    public static final int CONSOLE = 1 << 1;
    public static final int START = 1 << 2;
    public static final int STOP = 1 << 3;
    public static final int RESTART = 1 << 4;
    public static final int ADMIN_ERRORS = 1 << 5;
    public static final int ADMIN_INSTALL = 1 << 6;
    public static final int ADMIN_TRANSFER = 1 << 7;
    public static final int BACKUP_READ = 1 << 8;

    private static final String[] NAMES = {
        "websocket.connect", "control.console", "control.start", "control.stop", "control.restart",
        "admin.websocket.errors", "admin.websocket.install", "admin.websocket.transfer", "backup.read"
    };

    private static final int NON_ADMIN = CONNECT | CONSOLE | START | STOP | RESTART | BACKUP_READ;

    private Permissions()
    {
    }

    /**
     * Folds a token's permission list into bits.
     *
     * @param granted the {@code permissions} claim.
     * @return the bit set.
     */
    public static int fromList(final List<String> granted)
    {
        int bits = 0;
        for (final String permission : granted)
        {
            if ("*".equals(permission))
            {
                bits |= NON_ADMIN;
                continue;
            }
            bits |= bitOf(permission);
        }
        return bits;
    }

    /**
     * @param permission a permission name.
     * @return its bit, or 0 when it does not matter to the websocket.
     */
    public static int bitOf(final String permission)
    {
        for (int i = 0; i < NAMES.length; i++)
        {
            if (NAMES[i].equals(permission))
            {
                return 1 << i;
            }
        }
        return 0;
    }
}
