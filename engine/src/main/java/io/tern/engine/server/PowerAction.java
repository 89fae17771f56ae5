package io.tern.engine.server;

/**
 * The power actions a {@code set state} frame (or the admin API) can ask for, with the
 * permission each one needs (PROTOCOL.md §2.3: {@code kill} needs {@code control.stop}).
 */
public enum PowerAction
{
    START("start", "control.start"),
    STOP("stop", "control.stop"),
    RESTART("restart", "control.restart"),
    KILL("kill", "control.stop");

    private static final PowerAction[] VALUES = values();

    private final String wireName;
    private final String permission;

    PowerAction(final String wireName, final String permission)
    {
        this.wireName = wireName;
        this.permission = permission;
    }

    /**
     * @return the action name as sent by clients.
     */
    public String wireName()
    {
        return wireName;
    }

    /**
     * @return the token permission that allows this action.
     */
    public String permission()
    {
        return permission;
    }

    /**
     * Looks an action up by its wire name, case-sensitively, without allocating.
     *
     * @param name the concatenated {@code set state} args.
     * @return the action or {@code null} when the name is not a known action.
     */
    public static PowerAction fromWireName(final CharSequence name)
    {
        for (final PowerAction action : VALUES)
        {
            if (contentEquals(action.wireName, name))
            {
                return action;
            }
        }
        return null;
    }

    private static boolean contentEquals(final String a, final CharSequence b)
    {
        if (a.length() != b.length())
        {
            return false;
        }
        for (int i = 0; i < a.length(); i++)
        {
            if (a.charAt(i) != b.charAt(i))
            {
                return false;
            }
        }
        return true;
    }
}
