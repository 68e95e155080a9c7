"""Search backends behind one interface, and index synchronisation."""
