package io.tern.engine.testing;

import io.tern.engine.server.PowerAction;
import io.tern.engine.server.ResourceUsage;
import io.tern.engine.server.ServerControl;
import io.tern.engine.server.ServerState;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A scriptable server for engine tests: state, suspension, history and power results are set
 * by the test; commands and power actions are recorded.
 */
public final class TestServerControl implements ServerControl
{
    private final String uuid;
    public volatile ServerState state = ServerState.OFFLINE;
    public volatile boolean suspended;
    public final List<String> commands = new ArrayList<>();
    public final List<PowerAction> powerActions = new ArrayList<>();
    public final List<PowerListener> powerListeners = new ArrayList<>();
    public PowerResult nextPowerResult = PowerResult.ACCEPTED;
    public CommandResult nextCommandResult = CommandResult.ACCEPTED;
    public final List<String> history = new ArrayList<>();
    public final ResourceUsage usage = new ResourceUsage();

    public TestServerControl(final String uuid)
    {
        this.uuid = uuid;
    }

    @Override
    public String uuid()
    {
        return uuid;
    }

    @Override
    public ServerState state()
    {
        return state;
    }

    @Override
    public boolean isSuspended()
    {
        return suspended;
    }

    @Override
    public void readUsage(final ResourceUsage into)
    {
        into.copyFrom(usage).state = state;
    }

    @Override
    public CommandResult sendCommand(final byte[] utf8, final int offset, final int length)
    {
        commands.add(new String(utf8, offset, length, StandardCharsets.UTF_8));
        return nextCommandResult;
    }

    @Override
    public PowerResult power(final PowerAction action, final PowerListener listener)
    {
        powerActions.add(action);
        powerListeners.add(listener);
        return nextPowerResult;
    }

    @Override
    public void replayHistory(final HistoryConsumer consumer)
    {
        if (state == ServerState.OFFLINE)
        {
            return;
        }
        for (final String line : history)
        {
            final byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            consumer.onLine(bytes, 0, bytes.length);
        }
    }
}
