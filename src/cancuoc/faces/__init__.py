"""Portraits for the card: capture quality checks (ICAO 9303 / ISO/IEC 19794-5), the crop to the chip's DG2
portrait, and face 1:1 verification. Pure: no Django; the models are MediaPipe's and dlib's, loaded on
first use (``quality``, ``crop`` and ``template`` import them lazily, so importing this package is cheap)."""
