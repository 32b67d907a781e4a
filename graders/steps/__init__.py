"""Page steps that several scenarios' solutions share (they drive the pages as a candidate would)."""
