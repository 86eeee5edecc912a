"""Card data: pure encoders and decoders (MRZ, QR, validity). No Django import in this package's
pure modules; the card app (models, PKI storage, pages) will sit beside them."""
