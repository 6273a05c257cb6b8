"""Product operations (商品运营, issue #16): ABC classes, product roles, new-product trials.

Every analysis here counts merchandise only (``products.product_type``; the metrics engine's product measures do
the same), and computes in the warehouse: per-SKU aggregates come back, never order lines or events.
"""
