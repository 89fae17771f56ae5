package io.tern.daemon.log;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DaemonLogTest
{
    private static final String NL = System.lineSeparator();

    @Test
    void installWritesRedactedLinesAtTheChosenLevel()
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final Logger logger = Logger.getLogger("io.tern.daemon.log.test");
        try
        {
            DaemonLog.install(LogLevel.WARN, out);
            DaemonLog.hideSecret("the-node-token-value");
            logger.info("not shown");
            logger.warning("token is the-node-token-value");
            final String text = out.toString(StandardCharsets.UTF_8);
            assertFalse(text.contains("not shown"), text);
            assertFalse(text.contains("the-node-token-value"), text);
            assertTrue(text.endsWith(" WARN  [log.test] token is [redacted]" + NL), text);
        }
        finally
        {
            DaemonLog.install(LogLevel.INFO, System.err);
        }
    }
}
