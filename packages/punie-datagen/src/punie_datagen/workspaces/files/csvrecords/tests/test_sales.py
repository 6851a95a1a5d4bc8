from csvrecords.sales import best_product, by_region, parse_sales, revenue

DATA = """region,product,units,price
north,widget,3,2.50
south,widget,1,2.50
north,gadget,5,1.00
"""


def test_parse_sales_reads_rows():
    sales = parse_sales(DATA)
    assert len(sales) == 3
    assert sales[0].units == 3


def test_revenue():
    assert revenue(parse_sales(DATA)) == 15.0


def test_by_region():
    assert by_region(parse_sales(DATA)) == {"north": 8, "south": 1}


def test_best_product():
    assert best_product(parse_sales(DATA)) == "gadget"


def test_best_product_without_sales():
    assert best_product([]) is None
