"""Pure rules of the domain: no Django import here, so they can be tested as plain functions."""
