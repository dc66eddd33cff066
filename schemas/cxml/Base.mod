<!--
    Elements shared by the documents: names, contacts and addresses (Base.mod),
    items (Item.mod, Transaction.mod), references (Reference.mod) and amounts,
    as published for cXML 1.2.050. Content models and attribute lists are the
    published ones; elements the documents never carry are not declared.
-->

<!-- Names and descriptions -->
<!ELEMENT Name (#PCDATA)>
<!ATTLIST Name
    xml:lang  %xmlLangCode;  #REQUIRED
>

<!ELEMENT Extrinsic ANY>
<!ATTLIST Extrinsic
    name  %string;  #REQUIRED
>

<!ELEMENT Description ( #PCDATA | ShortName )* >
<!ATTLIST Description
    xml:lang  %xmlLangCode;  #REQUIRED
    type  %string;   #IMPLIED
>

<!ELEMENT ShortName (#PCDATA)>

<!ELEMENT Comments ( #PCDATA | Attachment )* >
<!ATTLIST Comments
    xml:lang  %xmlLangCode;  #IMPLIED
    type      %string;       #IMPLIED
>

<!-- Contacts and addresses -->
<!ELEMENT Email (#PCDATA)>
<!ATTLIST Email
    name          %string;       #IMPLIED
    preferredLang %xmlLangCode;  #IMPLIED
>

<!ELEMENT Contact (Name, PostalAddress*, Email*, Phone*, Fax*, URL*, IdReference*, Extrinsic*)>
<!ATTLIST Contact
    role             NMTOKEN           #IMPLIED
    addressID        %string;          #IMPLIED
    addressIDDomain   %string;   #IMPLIED
>

<!ELEMENT DeliverTo (#PCDATA)>
<!ELEMENT Street (#PCDATA)>

<!ELEMENT City (#PCDATA)>
<!ATTLIST City
    cityCode  %string;  #IMPLIED
>

<!ELEMENT State (#PCDATA)>
<!ATTLIST State
    isoStateCode  %isoStateCode;  #IMPLIED
>

<!ELEMENT PostalCode (#PCDATA)>

<!ELEMENT Country (#PCDATA)>
<!ATTLIST Country
    isoCountryCode  %isoCountryCode;  #REQUIRED
>

<!ELEMENT PostalAddress (DeliverTo*, Street+, City, Municipality?, State?,
                         PostalCode?, Country, Extrinsic*)>
<!ATTLIST PostalAddress
    name  %string;  #IMPLIED
>

<!-- Money -->
<!ELEMENT Money (#PCDATA)>
<!ATTLIST Money
    currency           %isoCurrencyCode;  #REQUIRED
    alternateAmount    %number;           #IMPLIED
    alternateCurrency  %isoCurrencyCode;  #IMPLIED
>

<!ELEMENT UnitPrice (Money, Modifications?, PricingConditions?)>
<!ELEMENT Total (Money, Modifications?)>

<!ELEMENT TaxAmount (Money)>
<!ELEMENT TaxableAmount (Money)>

<!ELEMENT TaxDetail (TaxableAmount?, TaxAmount, TaxLocation?, TaxAdjustmentAmount?, Description?,
                     TriangularTransactionLawReference?, TaxRegime?, TaxExemption?,
                     Extrinsic*)>
<!ATTLIST TaxDetail
    taxedElement            IDREF          #IMPLIED
    purpose                 %string;       #IMPLIED
    category                %string;       #REQUIRED
    percentageRate          %r8;           #IMPLIED
    isVatRecoverable        (yes)          #IMPLIED
    taxPointDate            %datetime.tz;  #IMPLIED
    paymentDate             %datetime.tz;  #IMPLIED
    isTriangularTransaction (yes)          #IMPLIED
    exemptDetail            (zeroRated | exempt)  #IMPLIED
    isWithholdingTax        (yes)          #IMPLIED
    taxRateType             %string;       #IMPLIED
    basePercentageRate      %r8;           #IMPLIED
    isIncludedInPrice       (yes)          #IMPLIED
>

<!ELEMENT Tax (Money, TaxAdjustmentAmount?, Description, TaxDetail*, Distribution*, Extrinsic*)>

<!ELEMENT PaymentTerm (Discount?, Extrinsic*)>
<!ATTLIST PaymentTerm
    payInNumberOfDays        %uint;         #REQUIRED
>

<!ELEMENT SubtotalAmount (Money)>
<!ELEMENT ShippingAmount (Money, Distribution*)>
<!ELEMENT GrossAmount (Money)>
<!ELEMENT NetAmount (Money)>
<!ELEMENT DueAmount (Money)>

<!-- Items -->
<!ELEMENT UnitOfMeasure (#PCDATA)>

<!ELEMENT Classification (#PCDATA)>
<!ATTLIST Classification
    domain  %string;  #REQUIRED
    code    %string;  #IMPLIED
>

<!ELEMENT SupplierPartID (#PCDATA)>
<!ATTLIST SupplierPartID
    revisionID  %string;  #IMPLIED
>

<!ELEMENT SupplierPartAuxiliaryID ANY>
<!ELEMENT BuyerPartID (#PCDATA)>

<!ELEMENT ItemID (SupplierPartID, SupplierPartAuxiliaryID?, BuyerPartID?, IdReference*)>

<!ELEMENT ItemDetail (UnitPrice, Description+, OverallLimit?, ExpectedLimit?, UnitOfMeasure,
                      PriceBasisQuantity?, Classification+, ManufacturerPartID?, ManufacturerName?,
                      URL?, LeadTime?, Dimension*, ItemDetailIndustry?, AttachmentReference*,
                      PlannedAcceptanceDays?, Extrinsic*)>

<!ELEMENT ItemIn (ItemID, Path?, ItemDetail, (SupplierID | SupplierList)?,
                  ShipTo?, Shipping?, Tax?, SpendDetail?, Distribution*,
                  Contact*, Comments?, ScheduleLine*, BillTo?, Batch?, Period?,
                  DateInfo*, Extrinsic*)>
<!ATTLIST ItemIn
    quantity           %r8;                 #REQUIRED
    openQuantity       %r8;                 #IMPLIED
    promisedQuantity   %r8;                 #IMPLIED
    lineNumber         %uint;               #IMPLIED
    parentLineNumber   %uint;               #IMPLIED
    itemType           %lineItemType;       #IMPLIED
    compositeItemType  %compositeItemType;  #IMPLIED
    itemClassification %serviceItemType;    #IMPLIED
    itemCategory       (materialUnknown | text | stockTransfer | materialGroup | subcontract |
                        consignment | thirdParty | limit)  #IMPLIED
>

<!ELEMENT OrderedQuantity (UnitOfMeasure?)>
<!ATTLIST OrderedQuantity
    quantity  %r8;  #IMPLIED
>

<!ELEMENT Dimension (UnitOfMeasure)>
<!ATTLIST Dimension
    quantity  %r8;  #REQUIRED
    type (length | width | height | weight | volume | stackHeight | grossWeight | grossVolume |
          unitGrossWeight | unitNetWeight)  #REQUIRED
>

<!ELEMENT Packaging (((PackagingCode+, Dimension*) | Dimension+), Description?,
                     PackagingLevelCode?, PackageTypeCodeIdentifierCode?, ShippingContainerSerialCode?,
                     ShippingContainerSerialCodeReference?,
                     PackageID?, ShippingMark*, OrderedQuantity?, DispatchQuantity?,
                     FreeGoodsQuantity?, QuantityVarianceNote?, BestBeforeDate?, AssetInfo*,
                     StoreCode?, Extrinsic*)>

<!-- References -->
<!ELEMENT DocumentReference EMPTY>
<!ATTLIST DocumentReference
    payloadID  %string;  #REQUIRED
>

<!ELEMENT OrderReference (DocumentReference)>
<!ATTLIST OrderReference
    orderID    %string;       #IMPLIED
    orderDate  %datetime.tz;  #IMPLIED
>

<!ELEMENT SupplierOrderInfo EMPTY>
<!ATTLIST SupplierOrderInfo
    orderID    %string;       #REQUIRED
    orderDate  %datetime.tz;  #IMPLIED
>

<!ELEMENT IdReference (Creator?, Description?)>
<!ATTLIST IdReference
    identifier  %string;  #REQUIRED
    domain      %string;  #REQUIRED
>

<!ELEMENT CarrierIdentifier (#PCDATA)>
<!ATTLIST CarrierIdentifier
    domain  %string;  #REQUIRED
>

<!ELEMENT ShipmentIdentifier (#PCDATA)>
<!ATTLIST ShipmentIdentifier
    domain              %string;       #IMPLIED
    trackingNumberDate  %datetime.tz;  #IMPLIED
    trackingURL         %URL;          #IMPLIED
>
